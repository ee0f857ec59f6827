//! The route table: which paths the Worker serves, and the methods each takes.

/// What a path is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The HTTP Tracking API; the call type a single-event path implies (`None` for `/v1/batch`).
    Tracking(Option<&'static str>),
    Webhook,
    Health,
    /// The operator's routes (only with `ADMIN_TOKEN` configured).
    Admin(AdminRoute),
}

/// The operator's routes: dead letters and the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminRoute {
    /// `GET /admin/config`: the live configuration; `POST`: publish a new version.
    Config,
    /// `POST /admin/config/validate`: check a candidate, store nothing.
    ConfigValidate,
    /// `GET /admin/config/versions`: the versions, newest first.
    ConfigVersions,
    /// `GET /admin/config/versions/<n>`: one version with its document.
    ConfigVersion,
    /// `GET /admin/config/diff?from=<n>&to=<n>`: what changed between two versions.
    ConfigDiff,
    /// `POST /admin/config/rollback`: make an earlier version's document live again, as a new version.
    ConfigRollback,
    /// `POST /admin/config/import-env`: store the variables' configuration as a version.
    ConfigImportEnv,
    /// `GET /admin/dead-letters`: list the parked dead letters.
    DeadLetters,
    /// `POST /admin/dead-letters/replay`: deliver them again, through the ledger.
    Replay,
    /// `POST /admin/dead-letters/discard`: forget them.
    Discard,
    /// `POST /admin/session`: sign in to the console (the token for a cookie); `GET`: whether
    /// signed in; `DELETE`: sign out.
    Session,
    /// `GET /admin/overview`: every source's counters, configuration version and bindings.
    Overview,
    /// `GET /admin/sources/<source>/events`: a source's recent events, filtered and paged.
    SourceEvents,
    /// `GET /admin/sources/<source>/live`: a WebSocket of a source's new events.
    SourceLive,
    /// `POST /admin/sources/<source>/try`: events mapped by the live and an edited configuration.
    SourceTry,
}

impl Route {
    pub fn of(path: &str) -> Option<Route> {
        // analytics.js posts to the one-letter forms (`/v1/t`, …; `/v1/b` when batching).
        Some(match path {
            "/v1/batch" | "/v1/import" | "/v1/b" => Route::Tracking(None),
            "/v1/track" | "/v1/t" => Route::Tracking(Some("track")),
            "/v1/identify" | "/v1/i" => Route::Tracking(Some("identify")),
            "/v1/page" | "/v1/p" => Route::Tracking(Some("page")),
            "/v1/screen" | "/v1/s" => Route::Tracking(Some("screen")),
            "/v1/group" | "/v1/g" => Route::Tracking(Some("group")),
            "/v1/alias" | "/v1/a" => Route::Tracking(Some("alias")),
            "/webhook" => Route::Webhook,
            _ if webhook_source(path).is_some() => Route::Webhook,
            "/admin/config" => Route::Admin(AdminRoute::Config),
            "/admin/config/validate" => Route::Admin(AdminRoute::ConfigValidate),
            "/admin/config/versions" => Route::Admin(AdminRoute::ConfigVersions),
            _ if version_in_path(path).is_some() => Route::Admin(AdminRoute::ConfigVersion),
            "/admin/config/diff" => Route::Admin(AdminRoute::ConfigDiff),
            "/admin/config/rollback" => Route::Admin(AdminRoute::ConfigRollback),
            "/admin/config/import-env" => Route::Admin(AdminRoute::ConfigImportEnv),
            "/health" => Route::Health,
            "/admin/dead-letters" => Route::Admin(AdminRoute::DeadLetters),
            "/admin/dead-letters/replay" => Route::Admin(AdminRoute::Replay),
            "/admin/dead-letters/discard" => Route::Admin(AdminRoute::Discard),
            "/admin/session" => Route::Admin(AdminRoute::Session),
            "/admin/overview" => Route::Admin(AdminRoute::Overview),
            _ => match source_in_path(path)?.1 {
                "events" => Route::Admin(AdminRoute::SourceEvents),
                "live" => Route::Admin(AdminRoute::SourceLive),
                "try" => Route::Admin(AdminRoute::SourceTry),
                _ => return None,
            },
        })
    }

    pub fn allow(self) -> &'static str {
        match self {
            Route::Health => "GET, HEAD",
            Route::Tracking(_) | Route::Webhook => "POST, OPTIONS",
            Route::Admin(AdminRoute::Config) => "GET, POST",
            Route::Admin(AdminRoute::Session) => "GET, POST, DELETE",
            Route::Admin(
                AdminRoute::DeadLetters
                | AdminRoute::Overview
                | AdminRoute::SourceEvents
                | AdminRoute::SourceLive
                | AdminRoute::ConfigVersions
                | AdminRoute::ConfigVersion
                | AdminRoute::ConfigDiff,
            ) => "GET",
            Route::Admin(
                AdminRoute::Replay
                | AdminRoute::Discard
                | AdminRoute::ConfigValidate
                | AdminRoute::ConfigRollback
                | AdminRoute::ConfigImportEnv
                | AdminRoute::SourceTry,
            ) => "POST",
        }
    }
}

/// The source of `/webhook/<source>` (a plain name; see the configuration's rules for names).
pub fn webhook_source(path: &str) -> Option<&str> {
    let name = path.strip_prefix("/webhook/")?;
    let plain = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    plain.then_some(name)
}

/// The source and the rest of `/admin/sources/<source>/<what>` (a plain name, as webhooks').
pub fn source_in_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/admin/sources/")?;
    let (name, what) = rest.split_once('/')?;
    webhook_source(&format!("/webhook/{name}"))?;
    Some((name, what))
}

/// The version of `/admin/config/versions/<n>`.
pub fn version_in_path(path: &str) -> Option<u64> {
    let number = path.strip_prefix("/admin/config/versions/")?;
    if number.is_empty() || number.len() > 15 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytics_js_short_paths_and_full_paths_are_the_same_routes() {
        assert_eq!(Route::of("/v1/t"), Route::of("/v1/track"));
        assert_eq!(Route::of("/v1/b"), Some(Route::Tracking(None)));
        assert_eq!(Route::of("/v1/import"), Some(Route::Tracking(None)));
        assert_eq!(Route::of("/webhook"), Some(Route::Webhook));
        assert_eq!(Route::of("/v1/unknown"), None);
        assert_eq!(Route::Health.allow(), "GET, HEAD");
        assert_eq!(
            Route::of("/admin/dead-letters/replay"),
            Some(Route::Admin(AdminRoute::Replay))
        );
        assert_eq!(Route::of("/admin"), None);
        assert_eq!(Route::of("/webhook/web-eu"), Some(Route::Webhook));
        assert_eq!(webhook_source("/webhook/web-eu"), Some("web-eu"));
        assert_eq!(Route::of("/webhook/Web"), None);
        assert_eq!(Route::of("/webhook/"), None);
        assert_eq!(Route::of("/webhook/a/b"), None);
        assert_eq!(
            Route::of("/admin/config/versions/12"),
            Some(Route::Admin(AdminRoute::ConfigVersion))
        );
        assert_eq!(version_in_path("/admin/config/versions/12"), Some(12));
        assert_eq!(Route::of("/admin/config/versions/x"), None);
        assert_eq!(Route::Admin(AdminRoute::Config).allow(), "GET, POST");
        assert_eq!(Route::Admin(AdminRoute::DeadLetters).allow(), "GET");
        assert_eq!(
            Route::of("/admin/overview"),
            Some(Route::Admin(AdminRoute::Overview))
        );
        assert_eq!(
            Route::of("/admin/sources/web-eu/events"),
            Some(Route::Admin(AdminRoute::SourceEvents))
        );
        assert_eq!(
            source_in_path("/admin/sources/web-eu/live"),
            Some(("web-eu", "live"))
        );
        assert_eq!(
            Route::of("/admin/sources/web/try"),
            Some(Route::Admin(AdminRoute::SourceTry))
        );
        assert_eq!(Route::Admin(AdminRoute::SourceTry).allow(), "POST");
        assert_eq!(Route::of("/admin/sources/Web/events"), None);
        assert_eq!(Route::of("/admin/sources/web/other"), None);
        assert_eq!(Route::of("/admin/sources/web"), None);
    }
}
