//! `-f -` and `--from-file -`: the Compose file comes from standard input, as with
//! `docker compose -f -`. It is read once, whole, into memory (bounded by `--max-file-size`)
//! and travels in the request as the file `-` of the working directory, so the project
//! directory is the working directory and messages name it `-`.

use crate::{Io, exit};
use stackplan_core::api;
use std::io::Read;

/// The name standing for stdin.
pub(crate) const NAME: &str = "-";

/// Reads stdin into the request's files when one of its file lists names `-`.
pub(crate) fn attach(operation: &mut api::Operation, max: u64, io: &mut Io<'_>) -> Result<(), u8> {
    let (project, extra): (&mut api::ProjectInput, &[String]) = match operation {
        api::Operation::Config(r) => (&mut r.project, &[]),
        api::Operation::Lint(r) => (&mut r.project, &[]),
        api::Operation::Plan(r) => (&mut r.project, &r.from_files),
        _ => return Ok(()),
    };
    let wanted = project.compose_files.iter().chain(extra).any(|f| f == NAME);
    if !wanted || project.files.contains_key(NAME) {
        return Ok(());
    }
    let mut bytes = Vec::new();
    let read = io.stdin.take(max.saturating_add(1)).read_to_end(&mut bytes);
    if let Err(e) = read {
        let _ = writeln!(io.stderr, "error: -f -: cannot read stdin: {e}");
        return Err(exit::USAGE_OR_IO);
    }
    if bytes.len() as u64 > max {
        let _ = writeln!(
            io.stderr,
            "error: -f -: stdin is over the limit of {max} bytes (raise it with --max-file-size)"
        );
        return Err(exit::USAGE_OR_IO);
    }
    project
        .files
        .insert(NAME.to_owned(), api::FileContent::from_bytes(&bytes));
    Ok(())
}
