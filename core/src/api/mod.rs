//! The one door into the core: a versioned request → response API over JSON.
//!
//! Every front end (the CLI, the browser module, the host's plugin) sends the same
//! [`Request`] and gets the same [`Response`] bytes back, so they cannot disagree.
//!
//! Invariants: [`handle_json`] never panics and never fails to answer; every failure is a
//! [`Response`] whose `error` says what went wrong and, when known, where. Every request and
//! response type deserializes from what it serializes to.
//!
//! Envelope (fixed for `api_version` 1):
//! - request:  `{"api_version": 1, "op": "<operation>", ...the operation's fields}`
//! - response: `{"api_version": 1, "op": "<operation>", "ok": true,  "result": {...}}`
//!   or        `{"api_version": 1, "op": "<operation>", "ok": false, "error": {...}}`

use serde::{Deserialize, Serialize};

/// The version of the request/response envelope and of every operation's shape. A change
/// that a consumer could notice raises it.
pub const API_VERSION: u32 = 1;

/// One call into the core. `op` names the operation; the other fields belong to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Request {
    pub api_version: u32,
    #[serde(flatten)]
    pub operation: Operation,
}

/// The operations of the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Operation {
    /// The core's version and the API version it speaks.
    Version {},
}

/// The answer to one [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Response {
    pub api_version: u32,
    /// The operation answered (`null` when the request could not be read far enough to know).
    pub op: Option<String>,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Output>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// What an operation returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Output {
    Version(VersionInfo),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VersionInfo {
    /// The core crate's version (`CARGO_PKG_VERSION`).
    pub core_version: String,
    pub api_version: u32,
}

/// A failure, as data. `location` is set when the failure is tied to a place in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    /// `invalid-request`, `unsupported-version`, `invalid-input` (exit 1 in the CLI) or `io`
    /// (a file the request needs is missing: exit 2).
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ApiLocation>,
}

/// A place in one of the request's files: 1-based line and column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Response {
    fn ok(op: &str, result: Output) -> Response {
        Response {
            api_version: API_VERSION,
            op: Some(op.to_string()),
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    fn failed(op: Option<&str>, kind: &str, message: String) -> Response {
        Response {
            api_version: API_VERSION,
            op: op.map(str::to_string),
            ok: false,
            result: None,
            error: Some(ApiError {
                kind: kind.to_string(),
                message,
                location: None,
            }),
        }
    }
}

/// Answers one typed request.
pub fn handle(request: Request) -> Response {
    if request.api_version != API_VERSION {
        return Response::failed(
            None,
            "unsupported-version",
            format!(
                "api_version {} is not supported; this core speaks {API_VERSION}",
                request.api_version
            ),
        );
    }
    match request.operation {
        Operation::Version {} => Response::ok(
            "version",
            Output::Version(VersionInfo {
                core_version: env!("CARGO_PKG_VERSION").to_string(),
                api_version: API_VERSION,
            }),
        ),
    }
}

/// Answers one request given as JSON bytes, with the response as JSON bytes. Never panics:
/// a request that is not valid JSON, or not a known operation, is answered with an error.
pub fn handle_json(request: &[u8]) -> Vec<u8> {
    let response = match serde_json::from_slice::<Request>(request) {
        Ok(request) => handle(request),
        Err(error) => {
            Response::failed(None, "invalid-request", format!("invalid request: {error}"))
        }
    };
    // Serializing these plain data types cannot fail; the fallback keeps the no-panic promise.
    serde_json::to_vec(&response).unwrap_or_else(|_| {
        br#"{"api_version":1,"op":null,"ok":false,"error":{"kind":"internal","message":"response could not be serialized"}}"#.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_round_trips() {
        let bytes = handle_json(br#"{"api_version":1,"op":"version"}"#);
        let response: Response = serde_json::from_slice(&bytes).expect("response is JSON");
        assert!(response.ok, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(
            response.result,
            Some(Output::Version(VersionInfo {
                core_version: env!("CARGO_PKG_VERSION").to_string(),
                api_version: API_VERSION
            }))
        );
    }

    #[test]
    fn garbage_is_answered_not_panicked() {
        for input in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"api_version\":1,\"op\":\"nope\"}",
            b"\xff",
        ] {
            let response: Response =
                serde_json::from_slice(&handle_json(input)).expect("response is JSON");
            assert!(!response.ok);
            assert_eq!(
                response.error.map(|e| e.kind).as_deref(),
                Some("invalid-request")
            );
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let response: Response =
            serde_json::from_slice(&handle_json(br#"{"api_version":2,"op":"version"}"#))
                .expect("JSON");
        assert_eq!(
            response.error.map(|e| e.kind).as_deref(),
            Some("unsupported-version")
        );
    }
}
