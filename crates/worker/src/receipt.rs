//! What the Worker sets on each event it receives, as Segment's HTTP API does: a fresh `messageId` where there is none, the receive time where there is no time.

use crate::time_text::iso_time;
use segment_bloomreach::EventSlot;

/// Stamps a body's read events (see `Event::stamp_receipt`): one random UUID per request, each
/// event's fresh `messageId` being `<uuid>-<index>`; `received_ms` is when the request arrived.
/// The UUID and the time's text are made only if some event needs them (every Segment library
/// sets both, so most requests make neither).
pub fn stamp(slots: &mut [EventSlot<'_>], received_ms: u64) {
    let mut request_id: Option<String> = None;
    let mut received_at: Option<String> = None;
    for (index, slot) in slots.iter_mut().enumerate() {
        if let Ok(event) = slot {
            event.stamp_receipt(
                || {
                    let id = request_id.get_or_insert_with(random_uuid);
                    format!("{id}-{index}")
                },
                || {
                    received_at
                        .get_or_insert_with(|| iso_time(received_ms, true))
                        .clone()
                },
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
