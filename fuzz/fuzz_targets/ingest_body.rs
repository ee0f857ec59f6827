//! Fuzz target `ingest_body`: see `check_ingest_body` in fuzz/checks.rs for what it holds to.
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_ingest_body(data));
