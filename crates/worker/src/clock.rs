//! The time now, in milliseconds since the epoch: `Date.now()`, without the `Date` object workers-rs's `Date::now()` makes on every call.

/// `Date.now()` (in a Worker it moves only between I/O, as every clock there does).
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
