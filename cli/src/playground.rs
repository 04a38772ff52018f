//! `stackplan playground`: serves the browser playground (the static folder
//! `scripts/build-wasm` writes to `target/playground/`) on 127.0.0.1.
//!
//! A plain file server: the playground needs nothing from the server but its files, with the
//! right content types (`application/wasm` for streaming compilation, `text/javascript` for
//! ES modules). It only ever binds the loopback interface.

use crate::Io;
use clap::Args;
use std::path::{Component, Path, PathBuf};

/// The command that builds the folder this serves.
const BUILD_COMMAND: &str = "scripts/build-wasm";

#[derive(Args, Debug)]
pub(crate) struct PlaygroundArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 8314)]
    port: u16,
    /// Open the page in the default browser
    #[arg(long)]
    open: bool,
    /// The built playground folder (default: target/playground, found from the current
    /// directory, CARGO_TARGET_DIR or the binary's own target folder)
    #[arg(long, value_name = "DIR")]
    dir: Option<String>,
}

/// Serves until the process is stopped; returns 2 when the folder or the port is unusable.
pub(crate) fn run(args: &PlaygroundArgs, io: &mut Io<'_>) -> u8 {
    let Some(dir) = playground_dir(args.dir.as_deref(), io) else {
        let _ = writeln!(
            io.stderr,
            "error: the playground is not built (no index.html in {}).\n  Build it with: {BUILD_COMMAND}",
            args.dir.as_deref().unwrap_or("target/playground")
        );
        return 2;
    };
    let server = match tiny_http::Server::http(("127.0.0.1", args.port)) {
        Ok(server) => server,
        Err(error) => {
            let _ = writeln!(
                io.stderr,
                "error: cannot listen on 127.0.0.1:{}: {error}",
                args.port
            );
            return 2;
        }
    };
    let url = match server.server_addr().to_ip() {
        Some(addr) => format!("http://{addr}/"),
        None => format!("http://127.0.0.1:{}/", args.port),
    };
    let _ = writeln!(
        io.stdout,
        "stackplan playground: serving {} at {url} (Ctrl-C stops)",
        dir.display()
    );
    let _ = io.stdout.flush();
    if args.open {
        open_in_browser(&url, io);
    }
    for request in server.incoming_requests() {
        let (status, content_type, body) = respond(&dir, request.url());
        let header = tiny_http::Header::from_bytes("Content-Type", content_type)
            .expect("static header is valid");
        // The service worker caches for offline use; the server always says "revalidate" so a
        // rebuild is seen on the next load.
        let no_cache = tiny_http::Header::from_bytes("Cache-Control", "no-cache")
            .expect("static header is valid");
        let response = tiny_http::Response::from_data(body)
            .with_status_code(status)
            .with_header(header)
            .with_header(no_cache);
        // A client that hung up is not our error.
        let _ = request.respond(response);
    }
    0
}

/// The folder to serve: `--dir`, else the first `target/playground` with an `index.html`.
fn playground_dir(explicit: Option<&str>, io: &Io<'_>) -> Option<PathBuf> {
    let cwd = Path::new(&io.cwd);
    let has_index = |dir: &Path| dir.join("index.html").is_file();
    if let Some(dir) = explicit {
        return Some(cwd.join(dir)).filter(|d| has_index(d));
    }
    let mut candidates = vec![cwd.join("target/playground")];
    if let Some(target) = io.env.get("CARGO_TARGET_DIR") {
        candidates.push(cwd.join(target).join("playground"));
    }
    // target/debug/stackplan -> target/playground
    if let Ok(exe) = std::env::current_exe()
        && let Some(target) = exe.parent().and_then(Path::parent)
    {
        candidates.push(target.join("playground"));
    }
    candidates.into_iter().find(|d| has_index(d))
}

/// The status, content type and body for a request path (query and fragment ignored).
fn respond(dir: &Path, url: &str) -> (u16, &'static str, Vec<u8>) {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let not_found = (404, "text/plain; charset=utf-8", b"not found\n".to_vec());
    let Some(relative) = safe_relative(path) else {
        return not_found;
    };
    let mut file = dir.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => (200, content_type(&file), body),
        Err(_) => not_found,
    }
}

/// The URL path as a relative path inside the served folder; `None` if it would leave it.
fn safe_relative(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let relative = PathBuf::from(decoded.trim_start_matches('/'));
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(relative)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "webmanifest") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("yml" | "yaml" | "txt" | "ts" | "md" | "env") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn open_in_browser(url: &str, io: &mut Io<'_>) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(error) = std::process::Command::new(opener).arg(url).spawn() {
        let _ = writeln!(
            io.stderr,
            "warning: could not run {opener} ({error}); open {url} yourself"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_folder() {
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/x",
            "/x%00y",
            "/%zz",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
        assert_eq!(
            safe_relative("/pkg/stackplan_wasm.js"),
            Some(PathBuf::from("pkg/stackplan_wasm.js"))
        );
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
    }

    #[test]
    fn serves_files_with_their_types_and_index_for_folders() {
        let dir = std::env::temp_dir().join(format!("stackplan-pg-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).expect("scratch dir");
        std::fs::write(dir.join("index.html"), "<h1>hi</h1>").expect("write");
        std::fs::write(dir.join("pkg/m.wasm"), b"\0asm").expect("write");
        let (status, kind, body) = respond(&dir, "/?x=1#frag");
        assert_eq!(
            (status, kind, body.as_slice()),
            (200, "text/html; charset=utf-8", &b"<h1>hi</h1>"[..])
        );
        assert_eq!(respond(&dir, "/pkg/m.wasm").1, "application/wasm");
        assert_eq!(respond(&dir, "/missing.js").0, 404);
        assert_eq!(respond(&dir, "/../index.html").0, 404);
        std::fs::remove_dir_all(&dir).ok();
    }
}
