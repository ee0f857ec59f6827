//! The Workers Rate Limiting bindings that hold each source to its limits, per client address and in all; a missing or failing binding lets requests pass, said once in the log.

use crate::error::WorkerError;
use crate::routing::SourceLimits;
use ::worker::Env;
use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// Bindings already reported missing or failing in this isolate (each is logged once).
    static REPORTED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Counts one request of `source` from `client` (its address) against the source's bindings:
/// per client first (a single flooding address then spends none of the source's shared budget),
/// then per source. Over either limit: `RateLimited`.
pub async fn check(
    env: &Env,
    limits: &SourceLimits,
    source: &str,
    client: &str,
) -> Result<(), WorkerError> {
    if let Some(binding) = &limits.per_client {
        if !allowed(env, binding, format!("{source}|{client}")).await {
            return Err(WorkerError::RateLimited { per: "client" });
        }
    }
    if let Some(binding) = &limits.per_source {
        if !allowed(env, binding, source.to_string()).await {
            return Err(WorkerError::RateLimited { per: "source" });
        }
    }
    Ok(())
}

/// Whether the binding lets one more request with `key` through; `true` when the binding is not
/// there or fails (a limit must never stop honest traffic by its own fault).
async fn allowed(env: &Env, binding: &str, key: String) -> bool {
    let outcome = match env.rate_limiter(binding) {
        Ok(limiter) => limit(limiter.as_ref(), &key).await,
        Err(_) => Err("not bound: add it as [[ratelimits]] in wrangler.toml".to_string()),
    };
    match outcome {
        Ok(success) => success,
        Err(why) => {
            report_once(binding, &why);
            true
        }
    }
}

fn report_once(binding: &str, why: &str) {
    let first = REPORTED.with(|reported| {
        let mut reported = reported.borrow_mut();
        let first = !reported.iter().any(|b| b == binding);
        if first {
            reported.push(binding.to_string());
        }
        first
    });
    if first {
        crate::log::emit(&serde_json::json!({
            "kind": "rate_limit", "binding": binding, "error": why,
            "message": "requests pass without this limit",
        }));
    }
}

/// `binding.limit({key})` through `js_sys` (workers-rs's own wrapper goes through
/// serde-wasm-bindgen, 6 KB of the bundle for one object in and one boolean out).
async fn limit(binding: &JsValue, key: &str) -> Result<bool, String> {
    let call = || -> Result<js_sys::Promise, JsValue> {
        let method: js_sys::Function = Reflect::get(binding, &"limit".into())?.dyn_into()?;
        let options = js_sys::Object::new();
        Reflect::set(&options, &"key".into(), &key.into())?;
        method.call1(binding, &options)?.dyn_into()
    };
    let answer = match call() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
        Err(error) => Err(error),
    };
    let outcome = answer.map_err(|e| match e.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("failed: {}", String::from(error.message())),
        None => "failed".to_string(),
    })?;
    Ok(Reflect::get(&outcome, &"success".into())
        .map(|v| v.as_bool() != Some(false))
        .unwrap_or(true))
}
