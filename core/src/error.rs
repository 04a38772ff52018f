//! The one error type of the pipeline: a message and, when known, where in which file.

use crate::tree::Origin;
use std::fmt;

/// What went wrong while loading a project. `origin` points at the offending value when the
/// problem is tied to one; the CLI renders it as `file:line:column`.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub message: String,
    pub origin: Option<Origin>,
    pub kind: ErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is invalid (syntax, schema, semantics): exit 1.
    Invalid,
    /// A file could not be read (missing `env_file`, `extends` file, ...): exit 2.
    Io,
}

impl Error {
    pub fn invalid(message: impl Into<String>, origin: Option<Origin>) -> Self {
        Error {
            message: message.into(),
            origin,
            kind: ErrorKind::Invalid,
        }
    }
    pub fn at(message: impl Into<String>, origin: Origin) -> Self {
        let origin = (!origin.is_synthetic()).then_some(origin);
        Error::invalid(message, origin)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            origin: None,
            kind: ErrorKind::Io,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
