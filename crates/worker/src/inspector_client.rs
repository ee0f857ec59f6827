//! The `EVENT_INSPECTOR` binding: the Worker's side of the console's inspector (one object per source: write records and counters, read a page of events, the counters, open a live socket).

use crate::inspector::{
    minutes_of, object_name, RecordRequest, Summary, COUNTERS_PATH, EVENTS_PATH, RECORD_PATH,
};
use crate::object_fetch;
use ::worker::{Env, ObjectNamespace, Request, Response};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

/// The Durable Object namespace binding of the inspector.
pub const EVENT_INSPECTOR_BINDING: &str = "EVENT_INSPECTOR";

/// A write (in the background, after the answer) and an admin route's read wait this long.
const TIMEOUT_MS: u64 = 5_000;

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

    /// One exchange with `source`'s object (boxed: one copy of the exchange in the bundle for
    /// every route of the inspector).
    fn call(
        &self,
        source: &str,
        path: &'static str,
        body: String,
    ) -> LocalBoxFuture<'static, Result<String, String>> {
        let namespace = self.namespace.clone();
        let name = object_name(source);
        Box::pin(
            async move { object_fetch::exchange(&namespace, &name, path, body, TIMEOUT_MS).await },
        )
    }

    /// One write to `source`'s object.
    pub async fn record(&self, source: &str, write: RecordRequest) -> Result<(), String> {
        self.call(source, RECORD_PATH, write.into_text())
            .await
            .map(|_| ())
    }

    /// A page of `source`'s events (`query`: the route's query string, checked):
    /// `{"events": [...], "next": …}`.
    pub async fn events(&self, source: &str, query: &str) -> Result<Value, String> {
        let text = self.call(source, EVENTS_PATH, query.to_string()).await?;
        serde_json::from_str(&text).map_err(|e| format!("unreadable answer: {e}"))
    }

    /// `source`'s counters over the last hour and day (ending at `now_ms`).
    pub async fn counters(&self, source: &str, now_ms: u64) -> Result<Summary, String> {
        let text = self.call(source, COUNTERS_PATH, String::new()).await?;
        Ok(Summary::of(&minutes_of(&text), now_ms))
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
