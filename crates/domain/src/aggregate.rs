//! aggregate (to be written).
