//! The `apiBaseUrl` check: a WHATWG URL parser (supplied by the shell: the runtime's `URL` in wasm, the `url` crate on the host) reads it, then the parts are held to what a request can go to.
//!
//! The core does not parse URLs itself: a hand-written check accepted URLs `fetch` refuses (a
//! port of 99999, `[1.2.3.4]`, `999.999.999.999`, `xn--`). The parser is a seam, [`UrlParser`],
//! so the npm package and the Worker use the `URL` their runtime already carries (the `url` crate's
//! IDNA tables would not fit the wasm budgets) and host builds use the `url` crate, which follows
//! the same standard.

/// A URL as a WHATWG parser reads it, by the names of the `URL` interface's attributes
/// (`protocol` with its `:`, `port` empty for the scheme's default, `search` and `hash` empty or
/// with their `?` / `#`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlParts {
    pub href: String,
    pub protocol: String,
    pub username: String,
    pub password: String,
    pub hostname: String,
    pub port: String,
    pub pathname: String,
    pub search: String,
    pub hash: String,
}

/// A WHATWG URL parser: the parts of `input` read as an absolute URL, or `None` when the standard
/// says it is not one (the runtime's `URL` constructor throws).
pub trait UrlParser {
    fn parse(&self, input: &str) -> Option<UrlParts>;
}

impl<F: Fn(&str) -> Option<UrlParts>> UrlParser for F {
    fn parse(&self, input: &str) -> Option<UrlParts> {
        self(input)
    }
}

/// The `url` crate as a [`UrlParser`]: for host builds (tests, benchmarks, fuzzing). Never in a
/// wasm build, where the shells pass the runtime's `URL`.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct UrlCrate;

#[cfg(not(target_arch = "wasm32"))]
impl UrlParser for UrlCrate {
    fn parse(&self, input: &str) -> Option<UrlParts> {
        use url::quirks;
        let url = url::Url::parse(input).ok()?;
        Some(UrlParts {
            href: quirks::href(&url).to_string(),
            protocol: quirks::protocol(&url).to_string(),
            username: quirks::username(&url).to_string(),
            password: quirks::password(&url).to_string(),
            hostname: quirks::hostname(&url).to_string(),
            port: quirks::port(&url).to_string(),
            pathname: quirks::pathname(&url).to_string(),
            search: quirks::search(&url).to_string(),
            hash: quirks::hash(&url).to_string(),
        })
    }
}

/// Hosts plain http may go to: the local stand-in, never a remote host.
const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Checks an `apiBaseUrl`: parsed by `parser`, https (http only for localhost / 127.0.0.1 /
/// [::1]), a port from 1 to 65535, no credentials, query or fragment, at most one trailing `/`.
/// Returns the URL as the parser serializes it, without its trailing `/`, or why it is refused.
pub fn check(input: &str, parser: &dyn UrlParser) -> Result<String, &'static str> {
    // A parser drops tabs and newlines and trims spaces silently; in a setting they are mistakes.
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters");
    }
    // `https:host` and `https:\\host` are URLs to a parser; here they are typing mistakes.
    let lowered = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    if !lowered.starts_with("https://") && !lowered.starts_with("http://") {
        return Err("must be an absolute https:// URL");
    }
    let Some(url) = parser.parse(input) else {
        return Err("has a malformed host or port");
    };
    if url.protocol != "https:" && url.protocol != "http:" {
        return Err("must be an absolute https:// URL");
    }
    if !url.username.is_empty() || !url.password.is_empty() {
        return Err("must not contain credentials");
    }
    // `search` and `hash` are empty for a bare `?` or `#` too; the serialized URL still has it.
    if !url.search.is_empty() || !url.hash.is_empty() || url.href.contains(['?', '#']) {
        return Err("must not contain a query or a fragment");
    }
    if url.protocol == "http:" && !LOOPBACK_HOSTS.contains(&url.hostname.as_str()) {
        return Err(
            "must use https (plain http is allowed only for localhost / 127.0.0.1 / [::1])",
        );
    }
    if url.port == "0" {
        return Err("has port 0: a port must be from 1 to 65535");
    }
    if url.pathname.contains("//") {
        return Err("must end with at most one '/'");
    }
    let href = url.href.as_str();
    Ok(href.strip_suffix('/').unwrap_or(href).to_string())
}
