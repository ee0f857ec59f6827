//! The `CONFIG_STORE` binding: the Worker's side of the configuration store (the live version, publish, the versions).

use crate::config_versions::{
    FromJson, LiveAnswer, LiveRequest, PublishAnswer, PublishRequest, VersionAnswer,
    VersionRequest, VersionsAnswer, VersionsRequest, LIVE_PATH, PUBLISH_PATH, STORE_OBJECT,
    VERSIONS_PATH, VERSION_PATH,
};
use crate::object_fetch;
use ::worker::{Env, ObjectNamespace};
use serde::Serialize;

/// The Durable Object namespace binding of the configuration store.
pub const CONFIG_STORE_BINDING: &str = "CONFIG_STORE";

/// An ingest request with a copy of the configuration waits this long for the live version (then
/// serves the copy it has)…
const LIVE_TIMEOUT_MS: u64 = 1_000;
/// …and one with no copy yet (a new isolate) this long, as it has nothing else to serve with (a
/// new object's first answer, SQLite opened, can take longer than a warm one's).
const FIRST_LIVE_TIMEOUT_MS: u64 = 3_000;
/// The admin routes wait longer.
const ADMIN_TIMEOUT_MS: u64 = 10_000;

/// The configuration store of this Worker.
#[derive(Clone)]
pub struct ConfigStoreClient {
    namespace: ObjectNamespace,
}

impl ConfigStoreClient {
    /// The bound namespace, if there is one.
    pub fn from_env(env: &Env) -> Option<ConfigStoreClient> {
        let namespace = env.durable_object(CONFIG_STORE_BINDING).ok()?;
        Some(ConfigStoreClient { namespace })
    }

    async fn call<A: FromJson>(
        &self,
        path: &str,
        request: &impl Serialize,
        timeout_ms: u64,
    ) -> Result<A, String> {
        let body = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let text =
            object_fetch::exchange(&self.namespace, STORE_OBJECT, path, body, timeout_ms).await?;
        A::from_text(&text).map_err(|e| format!("{STORE_OBJECT}: unreadable answer: {e}"))
    }

    /// The live version; its document only if it is not `have`. `first`: the isolate has no
    /// copy yet, so it waits longer.
    pub async fn live(&self, have: Option<u64>, first: bool) -> Result<LiveAnswer, String> {
        let timeout_ms = if first {
            FIRST_LIVE_TIMEOUT_MS
        } else {
            LIVE_TIMEOUT_MS
        };
        self.call(LIVE_PATH, &LiveRequest { have }, timeout_ms)
            .await
    }

    /// The live version with its document, for the admin routes.
    pub async fn live_document(&self) -> Result<LiveAnswer, String> {
        self.call(LIVE_PATH, &LiveRequest { have: None }, ADMIN_TIMEOUT_MS)
            .await
    }

    pub async fn publish(&self, request: &PublishRequest) -> Result<PublishAnswer, String> {
        self.call(PUBLISH_PATH, request, ADMIN_TIMEOUT_MS).await
    }

    pub async fn versions(&self, limit: usize) -> Result<VersionsAnswer, String> {
        self.call(VERSIONS_PATH, &VersionsRequest { limit }, ADMIN_TIMEOUT_MS)
            .await
    }

    pub async fn version(&self, version: u64) -> Result<VersionAnswer, String> {
        self.call(VERSION_PATH, &VersionRequest { version }, ADMIN_TIMEOUT_MS)
            .await
    }
}
