//! The one shape every refused call of the npm package answers with: `{"error": {"code", "message", …}}`, which the wrapper throws as an `Error` with those fields.

use segment_bloomreach::rules::Problem;
use segment_bloomreach::{Code, IngestError, MapError, SettingsError, SettingsProblem};
use serde::Serialize;

/// A refused call: its code, a sentence, and what applies of the rest.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError<'a> {
    code: Code,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Problems<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

/// Settings problems are named by `field`, mapping problems by `path`.
#[derive(Serialize)]
#[serde(untagged)]
enum Problems<'a> {
    Settings(&'a [SettingsProblem]),
    Mapping(&'a [Problem]),
}

impl<'a> ApiError<'a> {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError<'a> {
        ApiError {
            code,
            message: message.into(),
            problems: None,
            message_id: None,
            index: None,
            line: None,
            column: None,
        }
    }

    /// `invalid_settings`, every problem listed.
    pub fn settings(error: &'a SettingsError) -> ApiError<'a> {
        ApiError {
            problems: Some(Problems::Settings(&error.problems)),
            ..ApiError::new(Code::InvalidSettings, error.to_string())
        }
    }

    /// A mapping or subscription refused, every problem listed with its path.
    pub fn mapping(code: Code, message: impl Into<String>, problems: &'a [Problem]) -> Self {
        ApiError {
            problems: Some(Problems::Mapping(problems)),
            ..ApiError::new(code, message)
        }
    }

    /// The same error, naming the item of the caller's list it is about.
    pub fn at(self, index: usize) -> Self {
        ApiError {
            index: Some(index),
            ..self
        }
    }

    /// The one event `mapEvent` was given, rejected.
    pub fn event(error: &MapError, message_id: Option<&'a str>) -> ApiError<'a> {
        ApiError {
            message_id,
            index: Some(0),
            ..ApiError::new(error.code, error.describe(Some(0), message_id))
        }
    }

    /// A body that cannot be read, with the position of a JSON error.
    pub fn body(error: &IngestError) -> ApiError<'a> {
        let (line, column) = match error {
            IngestError::InvalidJson { line, column, .. } => (Some(*line), Some(*column)),
            _ => (None, None),
        };
        ApiError {
            line,
            column,
            ..ApiError::new(error.code(), error.to_string())
        }
    }

    /// `{"error": {...}}` as text.
    pub fn text(&self) -> String {
        #[derive(Serialize)]
        struct Wrapped<'e, 'a> {
            error: &'e ApiError<'a>,
        }
        serde_json::to_string(&Wrapped { error: self }).expect("errors serialize")
    }
}
