//! What the Worker sets on each event it receives, as Segment's HTTP API does: a fresh `messageId` where there is none, the receive time where there is no time.

use segment_bloomreach::EventSlot;

/// Stamps a body's read events (see `Event::stamp_receipt`): one random UUID per request, each
/// event's fresh `messageId` being `<uuid>-<index>`; `received_ms` is when the request arrived.
pub fn stamp(slots: &mut [EventSlot<'_>], received_ms: u64) {
    let mut request_id: Option<String> = None;
    let received_at = js_sys::Date::new(&(received_ms as f64).into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    for (index, slot) in slots.iter_mut().enumerate() {
        if let Ok(event) = slot {
            event.stamp_receipt(
                || {
                    let id = request_id.get_or_insert_with(random_uuid);
                    format!("{id}-{index}")
                },
                &received_at,
            );
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`: 122 random bits from the runtime's CSPRNG.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    pub fn random_uuid() -> String;
}
