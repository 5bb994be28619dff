//! fixture (to be written).
