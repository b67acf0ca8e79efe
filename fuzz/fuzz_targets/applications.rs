#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lift_tests::fuzz::applications(data));
