//! Where a run's result goes: stdout, or the `-o` file.
//!
//! Invariants:
//! - `-o` never names a file the run read (a Compose file, a from-file, an included or
//!   extended file, an env file, `.stackplan.toml`), compared as the same file on disk (device
//!   and inode: symlinks and hard links included), so an input is never replaced by a result.
//! - A file is written atomically: a temporary file in the same folder, flushed, then renamed
//!   over the target. An interrupted or failed write leaves the old file (or none), never half
//!   a file. A symlink stays a symlink (the file it points at is replaced) and an existing
//!   file keeps its permissions. Non-regular targets (`/dev/stdout`, a FIFO) are written in place.
//! - A closed stdout ends the run quietly with [`exit::BROKEN_PIPE`].

use crate::{Io, exit};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints `text` to stdout, or writes it to `path` (relative to the working directory)
/// unless that is one of `inputs`; returns the exit status.
pub(crate) fn emit(io: &mut Io<'_>, path: Option<&str>, text: &str, inputs: &[String]) -> u8 {
    match path {
        None => to_stdout(io, text.as_bytes()),
        Some(path) => {
            let target = Path::new(&io.cwd).join(path);
            if let Some(input) = inputs.iter().find(|i| same_file(Path::new(i), &target)) {
                let input = crate::relative_to_cwd(&io.cwd, input);
                let also = if input == path {
                    String::new()
                } else {
                    format!(" ({input})")
                };
                let _ = writeln!(
                    io.stderr,
                    "error: refusing to write to {path}: it is an input of this run{also}; choose another -o file"
                );
                return exit::USAGE_OR_IO;
            }
            match write_atomically(&target, text.as_bytes()) {
                Ok(()) => exit::OK,
                Err(e) => {
                    let _ = writeln!(io.stderr, "error: cannot write {path}: {e}");
                    exit::USAGE_OR_IO
                }
            }
        }
    }
}

/// Writes to stdout; a closed pipe is [`exit::BROKEN_PIPE`] without a message.
pub(crate) fn to_stdout(io: &mut Io<'_>, bytes: &[u8]) -> u8 {
    match io.stdout.write_all(bytes).and_then(|()| io.stdout.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::BROKEN_PIPE,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot write to stdout: {e}");
            exit::USAGE_OR_IO
        }
    }
}

/// Whether two paths name the same file on disk (after symlinks; hard links alike).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Replaces `target` with `bytes` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = resolve_symlinks(target)?;
    let existing = std::fs::metadata(&target).ok();
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(std::io::Error::other("it is a directory"));
        }
        if !meta.is_file() {
            // A device or FIFO: there is nothing to replace, only something to write to.
            let mut file = std::fs::OpenOptions::new().write(true).open(&target)?;
            return file.write_all(bytes).and_then(|()| file.flush());
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let (temp, mut file) = create_temp(&dir, &name)?;
    let written = (|| {
        file.write_all(bytes)?;
        if let Some(meta) = &existing {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A new file `.NAME.PID-N.tmp` beside the target, created exclusively.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for attempt in 0..100 {
        let temp = dir.join(format!(".{name}.{}-{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name free")))
}

/// The path with every symlink in its last component followed (a dangling link yields the
/// path it points at, to be created).
fn resolve_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) => parent.join(link),
                    None => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}
