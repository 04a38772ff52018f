//! Bytes → text → spanned YAML must never panic, hang or blow up memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stackplan_core::yaml;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = yaml::decode(data, 0) {
        let _ = yaml::parse(&text, 0, &yaml::Limits::default());
    }
});
