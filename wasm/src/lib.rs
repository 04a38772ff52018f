//! The stackplan core API as WebAssembly, with two faces over the one door
//! [`stackplan_core::api::handle_json`]:
//!
//! - [`bindgen`] (feature `bindgen`, default): `#[wasm_bindgen]` exports for the browser
//!   (`wasm-bindgen --target web`) and for Node (`--target nodejs`, used by the parity test);
//! - [`plugin`] (feature `plugin`, wasm32 only): the plain-export plugin ABI for the wasmtime
//!   host, a module with no imports at all (`docs/plugin-abi.md`).
//!
//! Neither face interprets a request: both hand the bytes to the core and return its bytes,
//! so the CLI, the browser and the host cannot disagree. `scripts/build-wasm` builds both.

#[cfg(feature = "bindgen")]
pub mod bindgen;

#[cfg(all(feature = "plugin", target_arch = "wasm32"))]
pub mod plugin;

/// The version of the plugin ABI this crate implements (`stackplan_abi_version()`).
pub const PLUGIN_ABI_VERSION: i32 = 1;

/// Answers one API request: the only thing either face does.
pub fn call(request: &[u8]) -> Vec<u8> {
    stackplan_core::api::handle_json(request)
}
