//! evaluation (to be written).
