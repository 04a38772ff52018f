//! `stackplan-probe`: the test application of the real-Swarm end-to-end tests
//! (`swarm-rollout-semantics.md` §8.0). One static binary, run `FROM scratch` as `/app`.
//!
//! * `/app` serves HTTP on `:8080`; `GET /health` answers 200 when healthy and 500 otherwise,
//!   the body carries `VERSION`.
//! * `/app -check` is the healthcheck probe (`test: ["CMD", "/app", "-check"]`; the image has
//!   no shell): `GET http://127.0.0.1:8080/health` with a 1 s timeout, exit 0 on 200, else 1.
//!
//! Environment (durations in Go syntax: `500ms`, `8s`, `1m30s`):
//!
//! | variable | meaning |
//! |---|---|
//! | `VERSION` | any string; change it to make tasks dirty without rebuilding the image |
//! | `HEALTHY` | `false`: `/health` always answers 500 |
//! | `UNHEALTHY_AFTER` | `/health` answers 500 from this long after process start |
//! | `CRASH_AFTER`, `CRASH_CODE` | exit with `CRASH_CODE` (default 1) this long after start |
//! | `START_DELAY` | wait this long before listening |
//! | `ON_SIGTERM` | `die` (default): exit 143; `exit0`: exit 0 after `SHUTDOWN_DELAY`; `ignore` |
//! | `SHUTDOWN_DELAY` | with `exit0`, how long to wait before exiting |
//!
//! Why `die` needs a handler: the app is PID 1 of its container, and the kernel never applies
//! the default action of a signal to a PID-namespace init that has no handler for it
//! (pid_namespaces(7)), so without one SIGTERM would be ignored and the engine would SIGKILL
//! the container after the stop grace period (exit 137). The handler emulates the default
//! action: exit code 143, which is what the engine reports for a process killed by SIGTERM.
//!
//! Every event is logged on stdout with an RFC 3339 timestamp in nanoseconds (UTC).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Set by the SIGTERM handler, polled by the signal thread.
static SIGTERM_SEEN: AtomicBool = AtomicBool::new(false);

const SIGTERM: i32 = 15;

// The one place this crate leaves safe Rust: glibc's `signal(2)` (std links glibc anyway; no
// libc crate is needed). `sighandler_t` is a function pointer, returned as a plain address.
unsafe extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

/// The signal handler: only an atomic store, which is async-signal-safe.
extern "C" fn on_sigterm(_signum: i32) {
    SIGTERM_SEEN.store(true, Ordering::SeqCst);
}

fn install_sigterm_handler() {
    // SAFETY: `on_sigterm` is an `extern "C" fn(i32)` that only performs an atomic store, so
    // it is async-signal-safe; `signal` has no other precondition.
    let _previous = unsafe { signal(SIGTERM, on_sigterm) };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OnSigterm {
    Die,
    Exit0,
    Ignore,
}

struct Config {
    version: String,
    healthy: bool,
    unhealthy_after: Option<Duration>,
    crash_after: Option<Duration>,
    crash_code: i32,
    start_delay: Option<Duration>,
    on_sigterm: OnSigterm,
    shutdown_delay: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("-check") {
        exit(check());
    }
    let started = Instant::now();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            log(&format!("bad configuration: {e}"));
            exit(2);
        }
    };
    log(&format!(
        "start version={} healthy={} unhealthy_after={:?} crash_after={:?} crash_code={} \
         start_delay={:?} on_sigterm={} shutdown_delay={:?} pid={}",
        config.version,
        config.healthy,
        config.unhealthy_after,
        config.crash_after,
        config.crash_code,
        config.start_delay,
        match config.on_sigterm {
            OnSigterm::Die => "die",
            OnSigterm::Exit0 => "exit0",
            OnSigterm::Ignore => "ignore",
        },
        config.shutdown_delay,
        std::process::id(),
    ));
    install_sigterm_handler();
    let on_sigterm = config.on_sigterm;
    let shutdown_delay = config.shutdown_delay;
    std::thread::spawn(move || signal_thread(on_sigterm, shutdown_delay));
    if let Some(after) = config.crash_after {
        let code = config.crash_code;
        std::thread::spawn(move || {
            std::thread::sleep(after.saturating_sub(started.elapsed()));
            log(&format!("crash: exit {code} (CRASH_AFTER {after:?})"));
            exit(code);
        });
    }
    if let Some(delay) = config.start_delay {
        std::thread::sleep(delay.saturating_sub(started.elapsed()));
    }
    let listener = match TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], 8080))) {
        Ok(l) => l,
        Err(e) => {
            log(&format!("cannot listen on :8080: {e}"));
            exit(3);
        }
    };
    log("listening on :8080");
    let config = std::sync::Arc::new(config);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let config = std::sync::Arc::clone(&config);
        std::thread::spawn(move || serve(stream, &config, started));
    }
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let duration = |name: &str| -> Result<Option<Duration>, String> {
            var(name)
                .map(|v| parse_go_duration(&v).map_err(|e| format!("{name}={v:?}: {e}")))
                .transpose()
        };
        let healthy = match var("HEALTHY").as_deref() {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => return Err(format!("HEALTHY={other:?}: expected true or false")),
        };
        let crash_code = match var("CRASH_CODE") {
            None => 1,
            Some(v) => v
                .parse()
                .map_err(|_| format!("CRASH_CODE={v:?}: not an integer"))?,
        };
        let on_sigterm = match var("ON_SIGTERM").as_deref() {
            None | Some("die") => OnSigterm::Die,
            Some("exit0") => OnSigterm::Exit0,
            Some("ignore") => OnSigterm::Ignore,
            Some(other) => {
                return Err(format!(
                    "ON_SIGTERM={other:?}: expected die, exit0 or ignore"
                ));
            }
        };
        Ok(Config {
            version: var("VERSION").unwrap_or_else(|| "unset".to_owned()),
            healthy,
            unhealthy_after: duration("UNHEALTHY_AFTER")?,
            crash_after: duration("CRASH_AFTER")?,
            crash_code,
            start_delay: duration("START_DELAY")?,
            on_sigterm,
            shutdown_delay: duration("SHUTDOWN_DELAY")?.unwrap_or_default(),
        })
    }

    fn healthy_now(&self, started: Instant) -> bool {
        self.healthy
            && self
                .unhealthy_after
                .is_none_or(|after| started.elapsed() < after)
    }
}

/// Waits for SIGTERM (polling the flag the handler sets) and reacts as configured.
fn signal_thread(on_sigterm: OnSigterm, shutdown_delay: Duration) {
    let mut ignored = false;
    loop {
        std::thread::sleep(Duration::from_millis(5));
        if !SIGTERM_SEEN.swap(false, Ordering::SeqCst) {
            continue;
        }
        match on_sigterm {
            OnSigterm::Die => {
                log("SIGTERM: die (exit 143, like the default action)");
                exit(143);
            }
            OnSigterm::Exit0 => {
                log(&format!("SIGTERM: exit 0 after {shutdown_delay:?}"));
                std::thread::sleep(shutdown_delay);
                log("exit 0");
                exit(0);
            }
            OnSigterm::Ignore => {
                if !ignored {
                    log("SIGTERM: ignored");
                    ignored = true;
                }
            }
        }
    }
}

/// Answers one HTTP/1.x request.
fn serve(mut stream: TcpStream, config: &Config, started: Instant) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("");
    let (status, body) = match path {
        "/health" => {
            let healthy = config.healthy_now(started);
            let status = if healthy {
                "200 OK"
            } else {
                "500 Internal Server Error"
            };
            log(&format!("health {}", &status[..3]));
            let word = if healthy { "healthy" } else { "unhealthy" };
            (status, format!("{word} version={}\n", config.version))
        }
        "/" => (
            "200 OK",
            format!("stackplan-probe version={}\n", config.version),
        ),
        _ => ("404 Not Found", "not found\n".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// The healthcheck probe: 0 when `/health` answers 200 within 1 s, 1 otherwise.
fn check() -> i32 {
    let timeout = Duration::from_secs(1);
    let deadline = Instant::now() + timeout;
    let result = (|| -> Result<String, String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 8080));
        let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or("timeout")?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .map_err(|e| e.to_string())?;
        Ok(response.lines().next().unwrap_or("").to_owned())
    })();
    match result {
        Ok(status_line) if status_line.split_whitespace().nth(1) == Some("200") => {
            println!("{} check: {status_line}", timestamp());
            0
        }
        Ok(status_line) => {
            println!("{} check failed: {status_line}", timestamp());
            1
        }
        Err(e) => {
            println!("{} check failed: {e}", timestamp());
            1
        }
    }
}

fn log(message: &str) {
    let line = format!("{} {message}\n", timestamp());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// Now as RFC 3339 with nanoseconds, UTC: `2026-05-07T21:09:36.123456789Z`.
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_nanos()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A Go duration (`time.ParseDuration`): `300ms`, `1.5s`, `1m30s`, `0`.
fn parse_go_duration(text: &str) -> Result<Duration, String> {
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err("empty duration".to_owned());
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("missing unit in {text:?}"))?;
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("bad number in {text:?}"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => return Err(format!("unknown unit {unit:?} in {text:?}")),
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_go_duration("8s"), Ok(Duration::from_secs(8)));
        assert_eq!(parse_go_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert!(parse_go_duration("5").is_err());
        assert!(parse_go_duration("5x").is_err());
    }

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
