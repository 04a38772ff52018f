//! The plugin ABI v1 (`docs/plugin-abi.md`): plain exports over linear memory, no imports.
//!
//! The host writes a request into a buffer it got from [`stackplan_alloc`], calls
//! [`stackplan_call`], reads the response at the returned `(ptr << 32) | len`, then frees both
//! buffers with [`stackplan_dealloc`]. Every buffer is a byte allocation with alignment 1, so
//! `dealloc` can rebuild the exact layout from the length alone.
//!
//! The names carry a `stackplan_` prefix on purpose: exports named `alloc`/`free` override the C
//! library's on other targets (see crates-feasibility §4).

#![allow(unsafe_code)] // reading and writing guest memory the host hands over is the ABI

use std::alloc::Layout;

/// What `stackplan_alloc(0)` returns: a non-null address that is never dereferenced, so a host
/// that treats 0 as failure still works for empty buffers.
const EMPTY_BUFFER: usize = 1;

fn byte_layout(len: i32) -> Option<Layout> {
    let len = usize::try_from(len).ok()?;
    Layout::array::<u8>(len).ok()
}

/// The ABI version this module implements (1).
#[unsafe(no_mangle)]
pub extern "C" fn stackplan_abi_version() -> i32 {
    crate::PLUGIN_ABI_VERSION
}

/// A guest buffer of `len` bytes for the host to write into; 0 when `len` is negative or the
/// memory cannot grow.
#[unsafe(no_mangle)]
pub extern "C" fn stackplan_alloc(len: i32) -> i32 {
    let Some(layout) = byte_layout(len) else {
        return 0;
    };
    if layout.size() == 0 {
        return EMPTY_BUFFER as i32;
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc(layout) };
    ptr as usize as i32
}

/// Frees a buffer from [`stackplan_alloc`] or a response from [`stackplan_call`]; `len` must be
/// the length it was created with. Null, empty and negative-length buffers are ignored.
///
/// # Safety
/// `ptr` must come from this module and not be freed twice (the host's contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stackplan_dealloc(ptr: i32, len: i32) {
    let Some(layout) = byte_layout(len) else {
        return;
    };
    if ptr == 0 || layout.size() == 0 {
        return;
    }
    // SAFETY: by the ABI contract `ptr` was allocated by this module with this byte layout
    // (`stackplan_alloc`, or the boxed response of `stackplan_call`).
    unsafe { std::alloc::dealloc(ptr as usize as *mut u8, layout) }
}

/// Answers the request JSON at `ptr..ptr+len` and returns `(response_ptr << 32) | response_len`,
/// a guest buffer the host frees with [`stackplan_dealloc`]. Never traps on bad input: a null
/// pointer or negative length reads as an empty request, which the core answers with an error.
///
/// # Safety
/// `ptr..ptr+len` must be memory of this module the host wrote the request into.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stackplan_call(ptr: i32, len: i32) -> i64 {
    let request: &[u8] = match usize::try_from(len) {
        Ok(len) if ptr != 0 && len > 0 => {
            // SAFETY: by the ABI contract the host wrote `len` bytes at `ptr` in this memory.
            unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len) }
        }
        _ => &[],
    };
    let response = crate::call(request).into_boxed_slice();
    let response_len = response.len() as u64;
    let response_ptr = Box::into_raw(response) as *mut u8 as usize as u64;
    ((response_ptr << 32) | response_len) as i64
}
