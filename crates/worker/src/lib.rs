//! The Cloudflare Worker over the mapping core: thin `fetch` and `queue` entry points, the routes, sender auth, configuration and delivery.
//!
//! What is pure (configuration from variables, sender auth, delivery bookkeeping, the delivery
//! ledger's rules and protocol, metrics data points, the route table, errors, queue messages)
//! compiles on every target and is tested on the host; what touches the Workers runtime (the
//! bindings, the ledger's Durable Object class, fetches) compiles for wasm32 only.

pub mod config_versions;
pub mod delivery;
pub mod env_config;
pub mod error;
pub mod inspector;
pub mod ledger;
pub mod log;
pub mod metrics;
pub mod panic_report;
pub mod queue_message;
pub mod route;
pub mod routing;
pub mod runtime_url;
pub mod sender_auth;
pub mod session;
pub mod small_sort;
pub mod time_text;

#[cfg(target_arch = "wasm32")]
mod admin_route;
#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod config_admin_route;
#[cfg(target_arch = "wasm32")]
mod config_store;
#[cfg(target_arch = "wasm32")]
mod config_store_client;
#[cfg(target_arch = "wasm32")]
mod consumer;
#[cfg(target_arch = "wasm32")]
mod deliver;
#[cfg(target_arch = "wasm32")]
mod health;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod ingest_route;
#[cfg(target_arch = "wasm32")]
mod inspector_capture;
#[cfg(target_arch = "wasm32")]
mod inspector_client;
#[cfg(target_arch = "wasm32")]
mod inspector_object;
#[cfg(target_arch = "wasm32")]
mod inspector_route;
#[cfg(target_arch = "wasm32")]
mod ledger_client;
#[cfg(target_arch = "wasm32")]
mod ledger_object;
#[cfg(target_arch = "wasm32")]
mod live_config;
#[cfg(target_arch = "wasm32")]
mod metrics_dataset;
#[cfg(target_arch = "wasm32")]
mod object_fetch;
#[cfg(target_arch = "wasm32")]
mod queue_producer;
#[cfg(target_arch = "wasm32")]
mod rate_limit;
#[cfg(target_arch = "wasm32")]
mod receipt;
#[cfg(target_arch = "wasm32")]
mod request_body;
#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(target_arch = "wasm32")]
mod session_route;
#[cfg(target_arch = "wasm32")]
mod upstream;

#[cfg(target_arch = "wasm32")]
mod entry {
    use crate::{consumer, panic_report, queue_message::QueuedEvent, routes};
    use ::worker::{console_error, event, Context, Env, MessageBatch, Result};

    /// Once per instance: a panic logs its message (without secrets) before the wasm traps.
    #[event(start)]
    fn start() {
        std::panic::set_hook(Box::new(|info| {
            console_error!("{}", panic_report::panic_line(info));
        }));
    }

    #[event(fetch)]
    async fn fetch(request: web_sys::Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
        Ok(crate::http::into_js(
            routes::handle(request, &env, &ctx).await,
        ))
    }

    #[event(queue)]
    async fn queue(batch: MessageBatch<QueuedEvent>, env: Env, ctx: Context) -> Result<()> {
        consumer::consume(batch, &env, &ctx).await;
        Ok(())
    }
}
