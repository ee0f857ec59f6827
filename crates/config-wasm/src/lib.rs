//! The npm package's `segment-bloomreach/config` wasm: a configuration document validated offline by the same code as the Worker (crates/deployment), JSON text in, JSON text out.
//!
//! Its own module, not one more export of the main wasm (crates/npm): validation reaches the
//! configuration model, 11.3 KB gzip in the main wasm that put it over its 224 KB budget, for a
//! function only the command line and Node programs call. Errors have
//! the main wasm's shape (`{"error": {"code", "message", "problems"}}`), which the wrapper
//! (`pkg/src/config.js`) throws the same way.

use segment_bloomreach::{Code, SettingsProblem};
use segment_bloomreach_deployment::Deployment;
use segment_bloomreach_js_url::RuntimeUrl;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// `validateConfig`: `{"config": {...}}`, the configuration document as the Worker would store it
/// (write keys given as `key` stay as given: only the Worker digests them), or `{"error": {...}}`
/// with `config_invalid` and every problem at its path. Offline: the Worker secrets it names are
/// not checked (the Worker's `/admin/config/validate` does).
#[wasm_bindgen(js_name = validateConfigJson)]
pub fn validate_config_json(config: &str) -> String {
    let document: serde_json::Value = match serde_json::from_str(config) {
        Ok(document) => document,
        Err(e) => {
            let message = format!("the configuration is not JSON: {e}");
            return ConfigInvalid::new(message, None).text();
        }
    };
    match Deployment::from_json_value(&document, None, &RuntimeUrl) {
        Ok(deployment) => {
            let config = deployment.to_json_value();
            serde_json::to_string(&serde_json::json!({ "config": config }))
                .expect("a configuration serializes")
        }
        Err(problems) => ConfigInvalid::listing(&problems).text(),
    }
}

/// A refused configuration, in the shape of every refused call of the npm package (crates/npm's
/// `ApiError`, of which it is the `config_invalid` case, moved here with its only caller).
#[derive(Serialize)]
struct ConfigInvalid<'a> {
    code: Code,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [SettingsProblem]>,
}

impl<'a> ConfigInvalid<'a> {
    fn new(message: String, problems: Option<&'a [SettingsProblem]>) -> Self {
        ConfigInvalid {
            code: Code::ConfigInvalid,
            message,
            problems,
        }
    }

    /// Every problem at its path, in a message like the settings' (`invalid configuration:
    /// sources[0].name: …; …`).
    fn listing(problems: &'a [SettingsProblem]) -> Self {
        let mut message = String::from("invalid configuration: ");
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            message.push_str(&p.field);
            message.push_str(": ");
            message.push_str(&p.message);
        }
        ConfigInvalid::new(message, Some(problems))
    }

    /// `{"error": {...}}` as text.
    fn text(&self) -> String {
        serde_json::to_string(&serde_json::json!({ "error": self })).expect("errors serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::validate_config_json;

    const DESTINATIONS: &str =
        r#""destinations":[{"name":"eu","projectToken":"p","apiKeySecret":"K"}]"#;

    #[test]
    fn a_valid_document_comes_back_as_the_worker_would_store_it() {
        let sources = r#""sources":[{"name":"web","destination":"eu","writeKeys":[{"kind":"browser","key":"web-write-key"}]}]"#;
        assert_eq!(
            validate_config_json(&format!("{{{DESTINATIONS},{sources}}}")),
            concat!(
                r#"{"config":{"destinations":[{"name":"eu","projectToken":"p","apiKeySecret":"K"}],"#,
                r#""sources":[{"name":"web","destination":"eu","writeKeys":[{"kind":"browser","key":"web-write-key"}],"settings":{}}]}}"#
            )
        );
    }

    #[test]
    fn problems_are_listed_at_their_paths_in_the_npm_packages_error_shape() {
        let sources = r#""sources":[{"name":"web","destination":"us"}]"#;
        assert_eq!(
            validate_config_json(&format!("{{{DESTINATIONS},{sources}}}")),
            concat!(
                r#"{"error":{"code":"config_invalid","#,
                r#""message":"invalid configuration: "#,
                r#"sources[0].destination: no destination is named \"us\" (destinations: eu); "#,
                r#"sources[0]: a source needs a way in: at least one of `writeKeys` and `webhook`","#,
                r#""problems":[{"field":"sources[0].destination","message":"no destination is named \"us\" (destinations: eu)"},"#,
                r#"{"field":"sources[0]","message":"a source needs a way in: at least one of `writeKeys` and `webhook`"}]}}"#
            )
        );
    }

    #[test]
    fn text_that_is_not_json_is_config_invalid_without_problems() {
        assert_eq!(
            validate_config_json("{"),
            r#"{"error":{"code":"config_invalid","message":"the configuration is not JSON: EOF while parsing an object at line 1 column 1"}}"#
        );
    }
}
