//! The real filesystem behind the core's [`FileSource`].

use stackplan_core::source::FileSource;
use std::cell::RefCell;
use std::io::Read;

/// Reads files from disk, refusing anything over `max_bytes` before reading it whole.
pub struct DiskFiles {
    pub max_bytes: u64,
}

impl DiskFiles {
    pub fn new(max_bytes: u64) -> Self {
        DiskFiles { max_bytes }
    }
}

/// A [`FileSource`] that remembers every path read through it (so `-o` can refuse to
/// replace an input).
pub struct Recording<'a> {
    inner: &'a dyn FileSource,
    read: RefCell<Vec<String>>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn FileSource) -> Self {
        Recording {
            inner,
            read: RefCell::new(Vec::new()),
        }
    }

    /// Every path read (or tried), in order, each once.
    pub fn read_paths(&self) -> Vec<String> {
        self.read.borrow().clone()
    }
}

impl FileSource for Recording<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        {
            let mut read = self.read.borrow_mut();
            if !read.iter().any(|p| p == path) {
                read.push(path.to_owned());
            }
        }
        self.inner.read(path)
    }
    fn is_file(&self, path: &str) -> bool {
        self.inner.is_file(path)
    }
    fn exists(&self, path: &str) -> bool {
        self.inner.exists(path)
    }
}

impl FileSource for DiskFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let file = std::fs::File::open(path).map_err(|e| describe(path, &e))?;
        let meta = file.metadata().map_err(|e| describe(path, &e))?;
        if meta.is_dir() {
            return Err(format!("{path} is a directory"));
        }
        if meta.len() > self.max_bytes {
            return Err(format!(
                "file is {} bytes, over the limit of {} bytes (raise it with --max-file-size)",
                meta.len(),
                self.max_bytes
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        // Read at most one byte over the limit, in case the file grows while we read it (or is
        // a device or pipe whose size is unknown).
        file.take(self.max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| describe(path, &e))?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(format!(
                "file is over the limit of {} bytes (raise it with --max-file-size)",
                self.max_bytes
            ));
        }
        Ok(bytes)
    }

    fn is_file(&self, path: &str) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }

    fn exists(&self, path: &str) -> bool {
        std::fs::metadata(path).is_ok()
    }
}

fn describe(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
        std::io::ErrorKind::PermissionDenied => format!("open {path}: permission denied"),
        _ => format!("open {path}: {e}"),
    }
}
