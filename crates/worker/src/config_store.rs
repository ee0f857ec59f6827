//! The configuration store's Durable Object class (`ConfigStore`, SQLite-backed): one object keeps every version of the configuration and which one is live; a publish is one synchronous turn, so it is atomic.

use crate::config_versions::{
    may_publish, one_line, FromJson, LiveAnswer, LiveRequest, PublishAnswer, PublishRequest,
    VersionAnswer, VersionInfo, VersionRequest, VersionsAnswer, VersionsRequest, LIVE_PATH,
    MAX_LISTED, PUBLISH_PATH, VERSIONS_PATH, VERSION_PATH,
};
use ::worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue,
    State,
};
use serde::Serialize;
use serde_json::Value;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS versions (version INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, admin TEXT NOT NULL, summary TEXT NOT NULL, document TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS live (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
];

/// The one object of the configuration store.
#[durable_object]
pub struct ConfigStore {
    state: State,
}

impl DurableObject for ConfigStore {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        for statement in SCHEMA {
            // A failure here shows on the first request, which answers 500: the Worker keeps
            // serving the copy it has.
            let _ = sql.exec(statement, None);
        }
        ConfigStore { state }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let path = request.path();
        let body = request.text().await?;
        let sql = self.state.storage().sql();
        let answer = match path.as_str() {
            LIVE_PATH => parse(&body).and_then(|r| live(&sql, &r)),
            PUBLISH_PATH => parse(&body).and_then(|r| publish(&sql, r)),
            VERSIONS_PATH => parse(&body).and_then(|r| versions(&sql, &r)),
            VERSION_PATH => parse(&body).and_then(|r| version(&sql, &r)),
            _ => Err(format!("no such configuration store route: {path}")),
        };
        match answer {
            Ok(text) => Response::ok(text),
            Err(why) => Response::error(why, 500),
        }
    }
}

fn parse<R: FromJson>(body: &str) -> std::result::Result<R, String> {
    R::from_text(body).map_err(|e| format!("unreadable store request: {e}"))
}

fn text(answer: &impl Serialize) -> std::result::Result<String, String> {
    serde_json::to_string(answer).map_err(|e| e.to_string())
}

/// Rows of `[version, created_at, admin, summary, document?]` as one JSON text.
fn rows(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<Vec<(VersionInfo, Option<Value>)>, String> {
    let cursor = sql.exec(query, bindings).map_err(|e| format!("SQL: {e}"))?;
    let mut found = Vec::new();
    for row in cursor.raw() {
        let row = row.map_err(|e| format!("SQL: {e}"))?;
        let mut cells = row.into_iter();
        let mut next = || cells.next().unwrap_or(SqlStorageValue::Null);
        let number = |v: SqlStorageValue| match v {
            SqlStorageValue::Integer(n) => n.max(0) as u64,
            SqlStorageValue::Float(n) => n.max(0.0) as u64,
            _ => 0,
        };
        let string = |v: SqlStorageValue| match v {
            SqlStorageValue::String(s) => Some(s),
            _ => None,
        };
        let info = VersionInfo {
            version: number(next()),
            created_at: number(next()),
            admin: string(next()).unwrap_or_default(),
            summary: string(next()).unwrap_or_default(),
        };
        let document = match string(next()) {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| e.to_string())?),
            None => None,
        };
        found.push((info, document));
    }
    Ok(found)
}

fn live_version(sql: &SqlStorage) -> std::result::Result<u64, String> {
    let found = rows(
        sql,
        "SELECT version, 0, '', '', NULL FROM live WHERE id = 1",
        vec![],
    )?;
    Ok(found.first().map_or(0, |(info, _)| info.version))
}

fn live(sql: &SqlStorage, request: &LiveRequest) -> std::result::Result<String, String> {
    let have = request.have.unwrap_or(0) as i64;
    let found = rows(
        sql,
        "SELECT v.version, v.created_at, v.admin, v.summary, CASE WHEN v.version = ?1 THEN NULL ELSE v.document END FROM live JOIN versions v ON v.version = live.version WHERE live.id = 1",
        vec![SqlStorageValue::from(have)],
    )?;
    let answer = match found.into_iter().next() {
        Some((info, document)) => LiveAnswer {
            live: Some(info),
            document,
        },
        None => LiveAnswer {
            live: None,
            document: None,
        },
    };
    text(&answer)
}

fn publish(sql: &SqlStorage, request: PublishRequest) -> std::result::Result<String, String> {
    let live = live_version(sql)?;
    if !may_publish(request.base_version, live) {
        return text(&PublishAnswer::Conflict { live });
    }
    let newest = rows(
        sql,
        "SELECT coalesce(max(version), 0), 0, '', '', NULL FROM versions",
        vec![],
    )?;
    let info = VersionInfo {
        version: newest.first().map_or(0, |(i, _)| i.version) + 1,
        created_at: crate::clock::now_ms(),
        admin: request.admin,
        summary: one_line(&request.summary),
    };
    let document = serde_json::to_string(&request.document).map_err(|e| e.to_string())?;
    // Both statements in one synchronous turn: one transaction.
    sql.exec(
        "INSERT INTO versions (version, created_at, admin, summary, document) VALUES (?1, ?2, ?3, ?4, ?5)",
        vec![
            SqlStorageValue::from(info.version as i64),
            SqlStorageValue::from(info.created_at as i64),
            info.admin.clone().into(),
            info.summary.clone().into(),
            document.into(),
        ],
    )
    .map_err(|e| format!("SQL: {e}"))?;
    sql.exec(
        "INSERT OR REPLACE INTO live (id, version) VALUES (1, ?1)",
        vec![SqlStorageValue::from(info.version as i64)],
    )
    .map_err(|e| format!("SQL: {e}"))?;
    text(&PublishAnswer::Published(info))
}

fn versions(sql: &SqlStorage, request: &VersionsRequest) -> std::result::Result<String, String> {
    let limit = request.limit.clamp(1, MAX_LISTED) as i64;
    let found = rows(
        sql,
        "SELECT version, created_at, admin, summary, NULL FROM versions ORDER BY version DESC LIMIT ?1",
        vec![SqlStorageValue::from(limit)],
    )?;
    let live = live_version(sql)?;
    text(&VersionsAnswer {
        live: (live > 0).then_some(live),
        versions: found.into_iter().map(|(info, _)| info).collect(),
    })
}

fn version(sql: &SqlStorage, request: &VersionRequest) -> std::result::Result<String, String> {
    let found = rows(
        sql,
        "SELECT version, created_at, admin, summary, document FROM versions WHERE version = ?1",
        vec![SqlStorageValue::from(request.version as i64)],
    )?;
    let answer = match found.into_iter().next() {
        Some((info, document)) => VersionAnswer {
            info: Some(info),
            document,
        },
        None => VersionAnswer {
            info: None,
            document: None,
        },
    };
    text(&answer)
}
