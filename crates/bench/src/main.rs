//! `jixiao-bench`: command line of the benchmark harness (see the library docs).
fn main() {}
