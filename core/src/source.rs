//! How the core sees files: a set of loaded texts (for origins and snippets), a trait the
//! caller implements to read the files the core discovers on its own, the one in-memory
//! implementation of it ([`MemoryFiles`], used by the API, tests and benches), a reader that
//! reads each file once and remembers what it read ([`ReadLog`], for the plan file's hashes),
//! and the one [`Location`] type (file, line, column) of diagnostics, plan sources and errors.

use crate::tree::{FileId, Origin};
use indexmap::IndexMap;
use std::cell::RefCell;

/// Reads files for the core. The CLI reads the real filesystem; the browser and the wasm host
/// serve an in-memory map. Paths are absolute, `/`-separated.
pub trait FileSource {
    /// The file's bytes, or a human message saying why it cannot be read.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// Whether a regular file exists at `path` (used for optional files such as `.env`).
    fn is_file(&self, path: &str) -> bool;
    /// Whether anything (file or directory) exists at `path` (used to find the repository
    /// root, a folder holding `.git`). Defaults to [`FileSource::is_file`].
    fn exists(&self, path: &str) -> bool {
        self.is_file(path)
    }
}

/// The message every file source gives for a file that is not there, so that an in-memory
/// run and a run on disk say the same thing.
pub fn not_found(path: &str) -> String {
    format!("open {path}: no such file or directory")
}

/// Files in memory, by absolute `/`-separated path. A directory exists when some file is
/// inside it. `fallback`, when set, is asked for paths the map does not hold.
#[derive(Default)]
pub struct MemoryFiles<'a> {
    files: IndexMap<String, Vec<u8>>,
    fallback: Option<&'a dyn FileSource>,
}

impl<'a> MemoryFiles<'a> {
    pub fn new() -> Self {
        MemoryFiles::default()
    }
    /// Adds (or replaces) a file; `path` is cleaned (`a/./b` → `a/b`).
    pub fn insert(&mut self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.files.insert(crate::fspath::clean(path), bytes.into());
    }
    /// Builder form of [`MemoryFiles::insert`].
    #[must_use]
    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(path, bytes);
        self
    }
    /// Paths not in the map are read from `fallback` (the CLI's disk).
    #[must_use]
    pub fn with_fallback(mut self, fallback: &'a dyn FileSource) -> Self {
        self.fallback = Some(fallback);
        self
    }
}

impl FileSource for MemoryFiles<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        match (self.files.get(path), self.fallback) {
            (Some(bytes), _) => Ok(bytes.clone()),
            (None, Some(fallback)) => fallback.read(path),
            (None, None) => Err(not_found(path)),
        }
    }
    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.fallback.is_some_and(|f| f.is_file(path))
    }
    fn exists(&self, path: &str) -> bool {
        let dir = format!("{}/", path.trim_end_matches('/'));
        self.files.contains_key(path)
            || self.files.keys().any(|k| k.starts_with(&dir))
            || self.fallback.is_some_and(|f| f.exists(path))
    }
}

/// One file a run read, with the bytes exactly as read.
#[derive(Clone, Debug)]
pub struct ReadFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Wraps a [`FileSource`] so every file is read at most once (a FIFO or `<(cat f)` can only
/// be read once) and the run can say afterwards exactly which files it read, in order.
pub struct ReadLog<'a> {
    inner: &'a dyn FileSource,
    read: RefCell<IndexMap<String, Result<Vec<u8>, String>>>,
}

impl<'a> ReadLog<'a> {
    pub fn new(inner: &'a dyn FileSource) -> Self {
        ReadLog {
            inner,
            read: RefCell::new(IndexMap::new()),
        }
    }
    /// Every file read successfully so far, in the order first read.
    pub fn files(&self) -> Vec<ReadFile> {
        self.read
            .borrow()
            .iter()
            .filter_map(|(path, r)| {
                r.as_ref().ok().map(|bytes| ReadFile {
                    path: path.clone(),
                    bytes: bytes.clone(),
                })
            })
            .collect()
    }
    /// Paths whose read failed (a missing file, a directory, one over the size limit).
    pub fn failed(&self) -> Vec<String> {
        self.read
            .borrow()
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(path, _)| path.clone())
            .collect()
    }
}

impl FileSource for ReadLog<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(done) = self.read.borrow().get(path) {
            return done.clone();
        }
        let result = self.inner.read(path);
        self.read
            .borrow_mut()
            .insert(path.to_owned(), result.clone());
        result
    }
    fn is_file(&self, path: &str) -> bool {
        match self.read.borrow().get(path) {
            Some(done) => done.is_ok(),
            None => self.inner.is_file(path),
        }
    }
    fn exists(&self, path: &str) -> bool {
        self.read.borrow().get(path).is_some_and(Result::is_ok) || self.inner.exists(path)
    }
}

/// A place in a file: the file's display name and 1-based line and column (columns count
/// Unicode characters); `end_line`/`end_column` (inclusive) close the span and equal the start
/// for a point.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    /// `file:line:column`.
    pub fn display(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Every file text a load used, indexed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (relative names stay relative in diagnostics).
    pub display_name: String,
    /// The absolute path.
    pub path: String,
    pub text: String,
}

impl SourceSet {
    pub fn add(&mut self, display_name: String, path: String, text: String) -> FileId {
        self.files.push(SourceFile {
            display_name,
            path,
            text,
        });
        (self.files.len() - 1) as FileId
    }
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id as usize)
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// The [`Location`] of an origin (mapping values carry an empty span that ends before it
    /// starts; they become one character wide), or `None` for synthetic values.
    pub fn location(&self, origin: &Origin) -> Option<Location> {
        let file = self.get(origin.file)?;
        let (end_line, end_column) =
            if (origin.end_line, origin.end_column) < (origin.line, origin.column) {
                (origin.line, origin.column)
            } else {
                (origin.end_line, origin.end_column)
            };
        Some(Location {
            file: file.display_name.clone(),
            line: origin.line,
            column: origin.column,
            end_line,
            end_column,
        })
    }
    /// `file:line:column` for an origin, or `None` for synthetic values.
    pub fn locate(&self, origin: &Origin) -> Option<String> {
        let file = self.get(origin.file)?;
        Some(format!(
            "{}:{}:{}",
            file.display_name, origin.line, origin.column
        ))
    }
    /// `file:line`, as `config --origins` prints it.
    pub fn locate_line(&self, origin: &Origin) -> Option<String> {
        let file = self.get(origin.file)?;
        Some(format!("{}:{}", file.display_name, origin.line))
    }
}
