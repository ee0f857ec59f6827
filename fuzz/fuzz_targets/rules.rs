//! Fuzz target `rules`: see `check_rules` in fuzz/checks.rs for what it holds to.
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_rules(data));
