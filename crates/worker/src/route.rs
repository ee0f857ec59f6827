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

/// The operator's dead-letter routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminRoute {
    /// `GET /admin/dead-letters`: list the parked dead letters.
    DeadLetters,
    /// `POST /admin/dead-letters/replay`: deliver them again, through the ledger.
    Replay,
    /// `POST /admin/dead-letters/discard`: forget them.
    Discard,
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
            "/health" => Route::Health,
            "/admin/dead-letters" => Route::Admin(AdminRoute::DeadLetters),
            "/admin/dead-letters/replay" => Route::Admin(AdminRoute::Replay),
            "/admin/dead-letters/discard" => Route::Admin(AdminRoute::Discard),
            _ => return None,
        })
    }

    pub fn allow(self) -> &'static str {
        match self {
            Route::Health => "GET, HEAD",
            Route::Tracking(_) | Route::Webhook => "POST, OPTIONS",
            Route::Admin(AdminRoute::DeadLetters) => "GET",
            Route::Admin(AdminRoute::Replay | AdminRoute::Discard) => "POST",
        }
    }
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
        assert_eq!(Route::Admin(AdminRoute::DeadLetters).allow(), "GET");
    }
}
