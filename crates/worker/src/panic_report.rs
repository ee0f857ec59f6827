//! What the Worker logs when it panics: one JSON line with the panic's message and place, every configured secret taken out.
//!
//! A panic in wasm ends as `RuntimeError: unreachable`, which says nothing; the hook installed at
//! start writes this line first. The secrets come from the configuration each request read
//! ([`remember_secrets`]), so a message that happened to hold one never shows it.

use serde::Serialize;
use std::cell::RefCell;
use std::panic::PanicHookInfo;

thread_local! {
    static SECRETS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Keeps the configured secret values for the panic hook to take out of its message.
pub fn remember_secrets(secrets: Vec<String>) {
    SECRETS.with(|kept| *kept.borrow_mut() = secrets);
}

/// Adds secret values (those a stored configuration names) to the ones already kept.
pub fn remember_more_secrets(secrets: impl IntoIterator<Item = String>) {
    SECRETS.with(|kept| {
        let mut kept = kept.borrow_mut();
        for secret in secrets {
            if !secret.is_empty() && !kept.contains(&secret) {
                kept.push(secret);
            }
        }
    });
}

#[derive(Serialize)]
struct PanicLine<'a> {
    kind: &'static str,
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
}

/// The log line for a panic: its message and where it happened, secrets replaced by `[redacted]`.
pub fn panic_line(info: &PanicHookInfo) -> String {
    let message = if let Some(text) = info.payload().downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = info.payload().downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    };
    let message = SECRETS.with(|secrets| redact(&message, &secrets.borrow()));
    let line = PanicLine {
        kind: "panic",
        code: segment_bloomreach::Code::InternalError.as_str(),
        message: &message,
        location: info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
    };
    serde_json::to_string(&line).unwrap_or_else(|_| "{\"kind\":\"panic\"}".to_string())
}

/// `text` with every non-empty secret replaced by `[redacted]`, longest first (so a secret that
/// contains another is taken out whole).
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    crate::small_sort::sort_by_key(&mut secrets, |s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for secret in secrets {
        text = text.replace(secret.as_str(), "[redacted]");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn the_line_has_the_message_and_place_and_no_secret() {
        remember_secrets(vec![
            "key-abc123".into(),
            "Basic a2V5".into(),
            String::new(),
        ]);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&lines);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            seen.lock().unwrap().push(panic_line(info))
        }));
        let outcome = std::panic::catch_unwind(|| {
            panic!("could not send with key-abc123 (header Basic a2V5)");
        });
        std::panic::set_hook(previous);
        assert!(outcome.is_err());
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 1, "logged once");
        let line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["kind"], "panic");
        assert_eq!(line["code"], "internal_error");
        assert_eq!(
            line["message"],
            "could not send with [redacted] (header [redacted])"
        );
        assert!(line["location"]
            .as_str()
            .unwrap()
            .contains("panic_report.rs"));
    }

    #[test]
    fn a_secret_inside_another_is_taken_out_whole() {
        let secrets = ["abc".to_string(), "xxabcxx".to_string()];
        assert_eq!(
            redact("1 xxabcxx 2 abc", &secrets),
            "1 [redacted] 2 [redacted]"
        );
    }
}
