//! jixiao binary
fn main() {}
