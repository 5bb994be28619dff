//! bench harness
fn main() {}
