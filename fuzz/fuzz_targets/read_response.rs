//! Fuzz target `read_response`: see `check_read_response` in fuzz/checks.rs for what it holds to.
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_read_response(data));
