//! How the core sees files: a set of loaded texts (for origins and snippets) and a trait the
//! caller implements to read the files the core discovers on its own.

use crate::tree::{FileId, Origin};

/// Reads files for the core. The CLI reads the real filesystem; the browser and the wasm host
/// serve an in-memory map. Paths are absolute, `/`-separated.
pub trait FileSource {
    /// The file's bytes, or a human message saying why it cannot be read.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// Whether a regular file exists at `path` (used for optional files such as `.env`).
    fn is_file(&self, path: &str) -> bool;
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
