//! monitoring (to be written).
