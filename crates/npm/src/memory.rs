//! The text the wrapper writes into wasm memory (bodies, payloads) and the output it reads out of
//! it: as a `&str` parameter or a returned `String`, wasm-bindgen's glue would copy text a
//! character at a time, and Node's `TextEncoder` and `TextDecoder` take several times longer on
//! text with any non-ASCII character in it than Node's `Buffer` takes to write or read it as
//! Latin-1 or UTF-16.

use crate::utf::{push_latin1, push_utf16, utf8_from_utf16};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The body, written by the wrapper straight into wasm memory: UTF-8 bytes
    /// ([`body_buffer`]) or a JavaScript string's UTF-16 units ([`body_buffer_utf16`]). Kept
    /// from call to call, so a body costs no allocation once one as long has been seen.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static BODY_UTF16: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
    /// A UTF-16 body made UTF-8, its allocation kept likewise.
    static BODY_TEXT: RefCell<String> = const { RefCell::new(String::new()) };

    /// [`build_requests_framed`](crate::build_requests_framed)'s output when it is not all ASCII and the wrapper can read it
    /// as Latin-1 or UTF-16 ([`output_address`], [`output_length`]).
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT_UTF16: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
}

/// `wasmMemory`: the wasm's memory, which the wrapper writes bodies into and reads output from.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// `bodyBuffer`: where the wrapper writes a body of up to `bytes` UTF-8 bytes (the address in
/// wasm memory), for [`build_requests_framed`](crate::build_requests_framed).
#[wasm_bindgen(js_name = bodyBuffer)]
pub fn body_buffer(bytes: usize) -> *mut u8 {
    BODY.with(|body| room(body, bytes))
}

/// `bodyBufferUtf16`: where the wrapper writes a body of `units` UTF-16 code units.
#[wasm_bindgen(js_name = bodyBufferUtf16)]
pub fn body_buffer_utf16(units: usize) -> *mut u16 {
    BODY_UTF16.with(|body| room(body, units))
}

/// The address of `buffer`, grown (with zeros) to hold at least `len` items.
fn room<T: Copy + Default>(buffer: &RefCell<Vec<T>>, len: usize) -> *mut T {
    let mut buffer = buffer.borrow_mut();
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    buffer.as_mut_ptr()
}

/// `outputAddress` and `outputLength`: where the output [`build_requests_framed`](crate::build_requests_framed) kept is, and
/// its length in bytes.
#[wasm_bindgen(js_name = outputAddress)]
pub fn output_address(utf16: bool) -> *const u8 {
    kept_output(utf16).0
}

#[wasm_bindgen(js_name = outputLength)]
pub fn output_length(utf16: bool) -> usize {
    kept_output(utf16).1
}

/// The address and byte length of [`OUTPUT_UTF16`] or [`OUTPUT`].
fn kept_output(utf16: bool) -> (*const u8, usize) {
    fn bytes_of<T>(buffer: &RefCell<Vec<T>>) -> (*const u8, usize) {
        let buffer = buffer.borrow();
        (
            buffer.as_ptr().cast(),
            std::mem::size_of_val(buffer.as_slice()),
        )
    }
    if utf16 {
        OUTPUT_UTF16.with(bytes_of)
    } else {
        OUTPUT.with(bytes_of)
    }
}

/// Runs `f` on the text the wrapper wrote into wasm memory: the first `length` bytes of
/// [`body_buffer`], or with `utf16` the first `length` units of [`body_buffer_utf16`] made
/// UTF-8. `None` for bytes that are not UTF-8.
pub fn with_body<R>(length: usize, utf16: bool, f: impl FnOnce(Option<&str>) -> R) -> R {
    if utf16 {
        BODY_UTF16.with(|units| {
            BODY_TEXT.with(|text| {
                let mut text = text.borrow_mut();
                let units = units.borrow();
                utf8_from_utf16(&units[..length.min(units.len())], &mut text);
                f(Some(&text))
            })
        })
    } else {
        BODY.with(|bytes| {
            let bytes = bytes.borrow();
            f(std::str::from_utf8(&bytes[..length.min(bytes.len())]).ok())
        })
    }
}

/// The text of `parts` joined, returned; or with `wide` and any non-ASCII in it (`ascii` says
/// whether there is none), kept in [`OUTPUT`] as Latin-1 when every character fits a byte, else
/// in [`OUTPUT_UTF16`], and `"latin1"` or `"utf16"` returned for the wrapper to read it there
/// ([`output_address`]).
pub fn answer<'p, I: Iterator<Item = &'p str>>(
    parts: impl Fn() -> I,
    ascii: bool,
    wide: bool,
) -> String {
    if wide && !ascii {
        let latin1 = OUTPUT.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            parts().all(|part| push_latin1(part, &mut out))
        });
        if latin1 {
            return "latin1".to_string();
        }
        OUTPUT_UTF16.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            parts().for_each(|part| push_utf16(part, &mut out));
        });
        return "utf16".to_string();
    }
    let mut joined = String::with_capacity(parts().map(str::len).sum());
    joined.extend(parts());
    joined
}
