//! The Worker's bindings: variables and secrets read into an `EdgeConfig` once per isolate, the optional `DELIVERY_QUEUE` producer, the configuration store, and the delivery ledger, metrics and inspector (each read by its own module).

use crate::config_store_client::ConfigStoreClient;
use crate::env_config::{EdgeConfig, VARIABLES};
use crate::inspector_client::InspectorClient;
use crate::ledger_client::LedgerClient;
use crate::metrics_dataset::MetricsDataset;
use ::worker::{Env, Queue};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

thread_local! {
    /// The configuration, validated on the isolate's first request. Variables and secrets are
    /// fixed for an isolate's life (changing one deploys a new version, in new isolates), so
    /// reading and validating them again on every request (a dozen strings across the JS
    /// boundary, URL checks, the `Authorization` value) only cost CPU.
    static CONFIG: RefCell<Option<Rc<EdgeConfig>>> = const { RefCell::new(None) };
    /// The bindings read from the isolate's `env`. The runtime passes every request the same
    /// `env` object, and its bindings are fixed for the isolate's life, so they are looked up
    /// once (five lookups, each a few calls into JavaScript) and kept for as long as requests
    /// come with that same object.
    static BOUND: RefCell<Option<Rc<Bindings>>> = const { RefCell::new(None) };
}

/// The queue producer binding that switches the Worker to queue mode.
pub const DELIVERY_QUEUE_BINDING: &str = "DELIVERY_QUEUE";

/// Everything a request needs from the environment.
pub struct Bindings {
    pub config: Rc<EdgeConfig>,
    pub delivery_queue: Option<Queue>,
    /// `DELIVERY_LEDGER`: effectively-once delivery (without it: at least once).
    pub ledger: Option<LedgerClient>,
    /// `DELIVERY_METRICS`: a data point per delivery round.
    pub metrics: Option<MetricsDataset>,
    /// `CONFIG_STORE`: the stored configuration's versions (without it: the variables only).
    pub config_store: Option<ConfigStoreClient>,
    /// `EVENT_INSPECTOR`: the console's inspector (without it: off; delivery never needs it).
    pub inspector: Option<InspectorClient>,
    /// The environment, for the secrets a stored configuration names.
    pub env: Env,
}

impl Bindings {
    /// The configuration (read and validated on the isolate's first call) and the queue, ledger
    /// and metrics bindings, as read for this `env` before (the same object: see `BOUND`).
    pub fn read(env: &Env) -> Rc<Bindings> {
        let kept = BOUND.with(|kept| kept.borrow().clone());
        if let Some(bindings) =
            kept.filter(|b| AsRef::<JsValue>::as_ref(&b.env) == AsRef::<JsValue>::as_ref(env))
        {
            return bindings;
        }
        let bindings = Rc::new(Bindings::look_up(env));
        BOUND.with(|kept| *kept.borrow_mut() = Some(Rc::clone(&bindings)));
        bindings
    }

    fn look_up(env: &Env) -> Bindings {
        let config = CONFIG.with(|kept| {
            if let Some(config) = &*kept.borrow() {
                return Rc::clone(config);
            }
            let config = Rc::new(EdgeConfig::from_vars(|name| variable_text(env, name)));
            crate::panic_report::remember_secrets(config.secret_values());
            *kept.borrow_mut() = Some(Rc::clone(&config));
            config
        });
        Bindings {
            ledger: LedgerClient::from_env(env, config.ledger_objects),
            config,
            delivery_queue: env.queue(DELIVERY_QUEUE_BINDING).ok(),
            metrics: MetricsDataset::from_env(env),
            config_store: ConfigStoreClient::from_env(env),
            inspector: InspectorClient::from_env(env),
            env: env.clone(),
        }
    }

    pub fn delivery_mode(&self) -> &'static str {
        if self.delivery_queue.is_some() {
            "queue"
        } else {
            "direct"
        }
    }
}

/// A Worker secret (or variable) a stored configuration names, as text.
pub fn secret_text(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)).ok()?;
    value
        .as_string()
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
}

/// A variable or secret as text. `[vars]` may hold TOML booleans, numbers, arrays and tables;
/// they arrive as JavaScript values, so `FLATTEN_NESTED_OBJECTS = true` and `= "true"` both work,
/// and `BLOOMREACH_MAPPINGS` may be written as a TOML array of rules (read as its JSON).
fn variable_text(env: &Env, name: &str) -> Option<String> {
    debug_assert!(VARIABLES.iter().any(|(v, _)| *v == name));
    let value = js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    if let Some(flag) = value.as_bool() {
        return Some(flag.to_string());
    }
    if let Some(number) = value.as_f64() {
        return Some(number.to_string());
    }
    js_sys::JSON::stringify(&value).ok()?.as_string()
}
