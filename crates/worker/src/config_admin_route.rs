//! The configuration's admin API (`/admin/config…`, behind `ADMIN_TOKEN`): the live configuration, validate a candidate, publish, the versions, one version, a diff of two, roll back, and import the variables.

use crate::config::{secret_text, Bindings};
use crate::config_store_client::ConfigStoreClient;
use crate::config_versions::{
    number_at, object_of, text_at, PublishAnswer, PublishRequest, VersionInfo, MAX_LISTED,
};
use crate::error::WorkerError;
use crate::http::json_response;
use crate::live_config;
use crate::log::RequestLine;
use crate::route::{version_in_path, AdminRoute};
use crate::routing::{last4, variables_document, write_key_digest};
use crate::runtime_url::RuntimeUrl;
use ::worker::{Method, Request, Response};
use segment_bloomreach::SettingsProblem;
use segment_bloomreach_deployment::{diff, Deployment, KeyCredential};
use serde_json::{json, Map, Value};

/// Who made a change, as versions record it (the credential's label, never its value).
const ADMIN_LABEL: &str = "ADMIN_TOKEN";

/// An admin body's members (each route takes some of them).
#[derive(Default)]
struct AdminBody {
    config: Option<Value>,
    summary: Option<String>,
    base_version: Option<u64>,
    version: Option<u64>,
}

/// Handles a configuration route (its caller checked the admin token and the method).
pub async fn handle(
    mut request: Request,
    route: AdminRoute,
    method: &Method,
    bindings: &Bindings,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let store = bindings.config_store.as_ref().ok_or_else(|| {
        WorkerError::ConfigUnavailable("the CONFIG_STORE binding is missing".into())
    })?;
    let path = request.path();
    let query = request
        .inner()
        .url()
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or("").to_string());
    let body = match method {
        Method::Post => request
            .text()
            .await
            .map_err(|_| WorkerError::IncompleteBody)?,
        _ => String::new(),
    };
    let answer = match route {
        AdminRoute::Config if matches!(method, Method::Get) => live(store, bindings).await?,
        AdminRoute::Config => {
            let body = read(&body, &["config", "summary", "baseVersion"])?;
            let summary = body.summary.unwrap_or_else(|| "published".into());
            let config = required(body.config, "config")?;
            let published = publish(store, bindings, config, summary, body.base_version).await?;
            line.config_version = Some(published.version);
            return Ok(json_response(201, &published));
        }
        AdminRoute::ConfigValidate => {
            let body = read(&body, &["config"])?;
            let document = prepare(bindings, &required(body.config, "config")?)?;
            json!({ "valid": true, "config": document })
        }
        AdminRoute::ConfigVersions => {
            let listing = store
                .versions(MAX_LISTED)
                .await
                .map_err(WorkerError::ConfigUnavailable)?;
            json!(listing)
        }
        AdminRoute::ConfigVersion => {
            let number = version_in_path(&path).ok_or(WorkerError::NotFound)?;
            let (info, document) = version(store, number).await?;
            let mut answer = json!(info);
            answer["config"] = document;
            answer
        }
        AdminRoute::ConfigDiff => diff_versions(store, query.as_deref()).await?,
        AdminRoute::ConfigRollback => {
            let body = read(&body, &["version", "summary", "baseVersion"])?;
            let number = required(body.version, "version")?;
            let (_, document) = version(store, number).await?;
            let summary = body
                .summary
                .unwrap_or_else(|| format!("rollback to version {number}"));
            let base = match body.base_version {
                Some(base) => Some(base),
                None => Some(live_version(store).await?),
            };
            let published = publish(store, bindings, document, summary, base).await?;
            line.config_version = Some(published.version);
            return Ok(json_response(201, &published));
        }
        AdminRoute::ConfigImportEnv => {
            let body = if body.trim().is_empty() {
                AdminBody::default()
            } else {
                read(&body, &["summary", "baseVersion"])?
            };
            let document = variables_document(&bindings.config).ok_or_else(|| {
                let problems = bindings.config.problems.iter();
                WorkerError::ConfigRefused(
                    problems
                        .map(|p| SettingsProblem::new(p.variable, p.message.clone()))
                        .collect(),
                )
            })?;
            let summary = body
                .summary
                .unwrap_or_else(|| "imported from the Worker's variables".into());
            // Only onto an empty store unless the caller names the live version it replaces.
            let base = Some(body.base_version.unwrap_or(0));
            let published = publish(store, bindings, document, summary, base).await?;
            line.config_version = Some(published.version);
            return Ok(json_response(201, &published));
        }
        _ => return Err(WorkerError::NotFound),
    };
    Ok(json_response(200, &answer))
}

/// An admin route's JSON body as an object of `known` members (another is refused by its name),
/// or `invalid_admin_request` saying what is wrong and which page (`docs`) documents the route.
/// What is wrong names the field, never quotes a value (a secret pasted in the wrong field must
/// not come back).
pub fn body_object(
    body: &str,
    known: &[&str],
    docs: &str,
) -> Result<Map<String, Value>, WorkerError> {
    let refused = |why: String| {
        WorkerError::InvalidAdminRequest(format!(
            "the body is not one this route takes: {why} (see {docs})"
        ))
    };
    let value: Value = serde_json::from_str(body).map_err(|e| {
        refused(format!(
            "not JSON (line {} column {})",
            e.line(),
            e.column()
        ))
    })?;
    object_of(&value, known).map_err(refused)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(refused("expected an object".into())),
    }
}

fn read(body: &str, known: &[&str]) -> Result<AdminBody, WorkerError> {
    const DOCS: &str = "docs/admin-api.md";
    let refused = |why: String| {
        WorkerError::InvalidAdminRequest(format!(
            "the body is not one this route takes: {why} (see {DOCS})"
        ))
    };
    let map = body_object(body, known, DOCS)?;
    Ok(AdminBody {
        config: map.get("config").cloned(),
        summary: text_at(&map, "summary").map_err(refused)?,
        base_version: number_at(&map, "baseVersion").map_err(refused)?,
        version: number_at(&map, "version").map_err(refused)?,
    })
}

fn required<T>(found: Option<T>, field: &str) -> Result<T, WorkerError> {
    found.ok_or_else(|| {
        WorkerError::InvalidAdminRequest(format!(
            "the body is not one this route takes: missing field `{field}` (see docs/admin-api.md)"
        ))
    })
}

/// A candidate validated (with the secrets it names checked against this Worker's), its write
/// keys replaced by their digests: the document as it would be stored.
pub fn prepare(bindings: &Bindings, candidate: &Value) -> Result<Value, WorkerError> {
    let env = &bindings.env;
    let exists = |name: &str| secret_text(env, name).is_some();
    let mut deployment = Deployment::from_json_value(candidate, Some(&exists), &RuntimeUrl)
        .map_err(WorkerError::ConfigRefused)?;
    for credential in deployment.plain_keys_mut() {
        if let KeyCredential::Plain(key) = credential {
            *credential = KeyCredential::Digest {
                sha256: write_key_digest(key),
                last4: last4(key),
            };
        }
    }
    Ok(deployment.to_json_value())
}

/// Validates and stores a new version, makes it live, and drops this isolate's copy so its next
/// request runs with it (other isolates within `CONFIG_CACHE_SECONDS`).
async fn publish(
    store: &ConfigStoreClient,
    bindings: &Bindings,
    candidate: Value,
    summary: String,
    base_version: Option<u64>,
) -> Result<VersionInfo, WorkerError> {
    let document = prepare(bindings, &candidate)?;
    let answer = store
        .publish(&PublishRequest {
            document,
            summary,
            admin: ADMIN_LABEL.into(),
            base_version,
        })
        .await
        .map_err(WorkerError::ConfigUnavailable)?;
    match answer {
        PublishAnswer::Published(info) => {
            live_config::forget();
            Ok(info)
        }
        PublishAnswer::Conflict { live } => Err(WorkerError::ConfigConflict { live }),
    }
}

/// The live configuration (secrets are never in it: only their names, and write key digests).
async fn live(store: &ConfigStoreClient, bindings: &Bindings) -> Result<Value, WorkerError> {
    let answer = store
        .live_document()
        .await
        .map_err(WorkerError::ConfigUnavailable)?;
    Ok(match (answer.live, answer.document) {
        (Some(info), Some(document)) => {
            let mut body = json!(info);
            body["source"] = json!("stored");
            body["config"] = document;
            body
        }
        _ => json!({
            "version": null,
            "source": "variables",
            "config": variables_document(&bindings.config),
        }),
    })
}

async fn live_version(store: &ConfigStoreClient) -> Result<u64, WorkerError> {
    let listing = store
        .versions(1)
        .await
        .map_err(WorkerError::ConfigUnavailable)?;
    Ok(listing.live.unwrap_or(0))
}

async fn version(
    store: &ConfigStoreClient,
    number: u64,
) -> Result<(VersionInfo, Value), WorkerError> {
    let answer = store
        .version(number)
        .await
        .map_err(WorkerError::ConfigUnavailable)?;
    match (answer.info, answer.document) {
        (Some(info), Some(document)) => Ok((info, document)),
        _ => Err(WorkerError::VersionNotFound(number)),
    }
}

/// `?from=<n>&to=<n>`: `to` defaults to the live version, `from` to the one before `to`
/// (version 0 is the empty configuration).
async fn diff_versions(
    store: &ConfigStoreClient,
    query: Option<&str>,
) -> Result<Value, WorkerError> {
    let parameter = |name: &str| -> Result<Option<u64>, WorkerError> {
        let Some(value) = query
            .unwrap_or("")
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        else {
            return Ok(None);
        };
        value.parse().map(Some).map_err(|_| {
            WorkerError::InvalidAdminRequest(format!("`{name}` must be a version number"))
        })
    };
    let to = match parameter("to")? {
        Some(to) => to,
        None => live_version(store).await?,
    };
    let from = parameter("from")?.unwrap_or(to.saturating_sub(1));
    let document = |number: u64| async move {
        if number == 0 {
            return Ok(json!({}));
        }
        version(store, number).await.map(|(_, document)| document)
    };
    let (before, after) = (document(from).await?, document(to).await?);
    Ok(json!({ "from": from, "to": to, "changes": diff(&before, &after) }))
}
