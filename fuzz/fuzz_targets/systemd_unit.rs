#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lift_tests::fuzz::systemd_unit(data));
