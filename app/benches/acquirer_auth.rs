//! Placeholder; filled in with the simulated acquirer benchmark.
fn main() {}
