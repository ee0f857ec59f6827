//! The `EVENT_INSPECTOR` binding: the Worker's side of the console's inspector (one object per source: write records and counters, read a page of events, the counters, open a live socket).

use crate::inspector::{
    object_name, EventsQuery, RecordRequest, Summary, COUNTERS_PATH, EVENTS_PATH, RECORD_PATH,
};
use crate::object_fetch;
use ::worker::{Env, ObjectNamespace, Request, Response};
use serde_json::Value;

/// The Durable Object namespace binding of the inspector.
pub const EVENT_INSPECTOR_BINDING: &str = "EVENT_INSPECTOR";

/// A write waits this long (in the background, after the answer).
const RECORD_TIMEOUT_MS: u64 = 5_000;
/// The admin routes wait this long.
const READ_TIMEOUT_MS: u64 = 5_000;

/// The inspector of this Worker.
#[derive(Clone)]
pub struct InspectorClient {
    namespace: ObjectNamespace,
}

impl InspectorClient {
    /// The bound namespace, if there is one.
    pub fn from_env(env: &Env) -> Option<InspectorClient> {
        let namespace = env.durable_object(EVENT_INSPECTOR_BINDING).ok()?;
        Some(InspectorClient { namespace })
    }

    /// One write to `source`'s object.
    pub async fn record(&self, source: &str, write: &RecordRequest) -> Result<(), String> {
        let body = serde_json::to_string(write).map_err(|e| e.to_string())?;
        let name = object_name(source);
        object_fetch::exchange(&self.namespace, &name, RECORD_PATH, body, RECORD_TIMEOUT_MS)
            .await
            .map(|_| ())
    }

    /// A page of `source`'s events: `{"events": [...], "next": …}`.
    pub async fn events(&self, source: &str, query: &EventsQuery) -> Result<Value, String> {
        let body = serde_json::to_string(query).map_err(|e| e.to_string())?;
        let name = object_name(source);
        let text =
            object_fetch::exchange(&self.namespace, &name, EVENTS_PATH, body, READ_TIMEOUT_MS)
                .await?;
        serde_json::from_str(&text).map_err(|e| format!("{name}: unreadable answer: {e}"))
    }

    /// `source`'s counters over the last hour and day.
    pub async fn counters(&self, source: &str) -> Result<Summary, String> {
        let name = object_name(source);
        let text = object_fetch::exchange(
            &self.namespace,
            &name,
            COUNTERS_PATH,
            String::new(),
            READ_TIMEOUT_MS,
        )
        .await?;
        serde_json::from_str(&text).map_err(|e| format!("{name}: unreadable answer: {e}"))
    }

    /// The WebSocket upgrade `request`, handed to `source`'s object as it came.
    pub async fn live(&self, source: &str, request: Request) -> Result<Response, String> {
        let name = object_name(source);
        let stub = self
            .namespace
            .id_from_name(&name)
            .and_then(|id| id.get_stub())
            .map_err(|e| format!("{name}: {e}"))?;
        stub.fetch_with_request(request)
            .await
            .map_err(|e| format!("{name}: {e}"))
    }
}
