//! The whole loader on two files (the input split at the first NUL byte): merge, extends,
//! interpolation, canonical syntax and the typed project must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stackplan_core::loader::{LoadOptions, load};
use stackplan_core::source::FileSource;

struct Two<'a>(&'a [u8], &'a [u8]);

impl FileSource for Two<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        match path {
            "/p/a.yml" => Ok(self.0.to_vec()),
            "/p/b.yml" => Ok(self.1.to_vec()),
            _ => Err("no such file".into()),
        }
    }
    fn is_file(&self, path: &str) -> bool {
        path == "/p/a.yml" || path == "/p/b.yml"
    }
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (a, b) = data.split_at(split);
    let b = b.get(1..).unwrap_or_default();
    let mut opts = LoadOptions::new(vec!["/p/a.yml".into(), "/p/b.yml".into()], "/p".into(), "fuzz".into());
    opts.environment.insert("X".into(), "1".into());
    let _ = load(&opts, &Two(a, b));
});
