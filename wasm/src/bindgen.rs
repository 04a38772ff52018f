//! The wasm-bindgen face: what the browser playground and the Node parity test call.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ENVELOPE: &str = r#"
/** A request to the stackplan API (docs/api.md): the operation's fields sit beside `op`. */
export interface ApiRequest {
  api_version: 1;
  op: string;
  [field: string]: unknown;
}

/** The answer to one request: `result` when `ok`, `error` otherwise. */
export interface ApiResponse {
  api_version: number;
  op: string | null;
  ok: boolean;
  result?: unknown;
  error?: {
    kind: string;
    message: string;
    location?: { file: string; line: number; column: number };
  };
}
"#;

/// Answers one API request given as UTF-8 JSON bytes with the response's JSON bytes, exactly
/// as the native core does (the parity test compares these bytes).
#[wasm_bindgen(js_name = handleJsonBytes)]
pub fn handle_json_bytes(request: &[u8]) -> Vec<u8> {
    crate::call(request)
}

/// Answers one API request given as a JSON string with the response as a JSON string.
#[wasm_bindgen(js_name = handleJson)]
pub fn handle_json(request: &str) -> String {
    let response = crate::call(request.as_bytes());
    // The core writes JSON with serde_json, which is always UTF-8; the lossy path only keeps
    // the never-panic promise.
    String::from_utf8(response)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// The API version the core speaks (the `api_version` every request must carry).
#[wasm_bindgen(js_name = apiVersion)]
pub fn api_version() -> u32 {
    stackplan_core::api::API_VERSION
}
