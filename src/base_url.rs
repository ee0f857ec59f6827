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
    let Some(url) = parser
        .parse(input)
        .filter(|url| punycode_labels_decode(&url.hostname))
    else {
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

/// Whether every `xn--` label of `hostname` decodes (RFC 3492) to a non-empty label without control
/// characters. The standard's IDNA step refuses such labels (`xn--`, `xn--a`: U+0080), and so do
/// Node, Deno, Bun and workerd; Chromium's `URL` lets them through, so without this the npm
/// package in a browser would accept a host nothing can resolve. (A label that decodes to a code
/// point IDNA disallows otherwise is left to the parser: that would need IDNA's tables.)
fn punycode_labels_decode(hostname: &str) -> bool {
    hostname
        .split('.')
        .filter_map(|label| label.strip_prefix("xn--"))
        .all(|encoded| {
            let mut control = false;
            let length = punycode_decode(encoded, |_, c| control |= c.is_control());
            length.is_some_and(|length| length > 0) && !control
        })
}

/// RFC 3492's decoder: hands each code point of the label `encoded` stands for to `insert` with
/// the position it goes to, and returns the label's length, or `None` when it is not punycode.
/// (Positions rather than a string: the check needs none, and the wasm stays smaller.)
fn punycode_decode(encoded: &str, mut insert: impl FnMut(usize, char)) -> Option<usize> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let (basic, deltas) = match encoded.rfind('-') {
        Some(at) => (&encoded[..at], &encoded[at + 1..]),
        None => ("", encoded),
    };
    if !basic.is_ascii() {
        return None;
    }
    for (at, c) in basic.chars().enumerate() {
        insert(at, c);
    }
    let mut length = basic.len() as u32;
    let (mut code_point, mut index, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = deltas.bytes().peekable();
    while digits.peek().is_some() {
        let before = index;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = match digits.next()? {
                b @ b'a'..=b'z' => b - b'a',
                b @ b'A'..=b'Z' => b - b'A',
                b @ b'0'..=b'9' => b - b'0' + 26,
                _ => return None,
            } as u32;
            index = index.checked_add(digit.checked_mul(weight)?)?;
            let threshold = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
            if digit < threshold {
                break;
            }
            weight = weight.checked_mul(BASE - threshold)?;
            k += BASE;
        }
        length += 1;
        bias = adapt(index - before, length, before == 0);
        code_point = code_point.checked_add(index / length)?;
        index %= length;
        insert(index as usize, char::from_u32(code_point)?);
        index += 1;
    }
    Some(length as usize)
}

/// RFC 3492's bias adaptation.
fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    const BASE: u32 = 36;
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - 1) * 26) / 2 {
        delta /= BASE - 1;
        k += BASE;
    }
    k + (BASE * delta) / (delta + 38)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The label `encoded` stands for, built from the decoder's insertions.
    fn decoded(encoded: &str) -> Option<String> {
        let mut label = Vec::new();
        let length = punycode_decode(encoded, |at, c| label.insert(at, c))?;
        assert_eq!(length, label.len());
        Some(label.into_iter().collect())
    }

    #[test]
    fn punycode_decodes_as_rfc_3492_says() {
        // RFC 3492, 7.1 (A), (B) and (L), and the usual examples.
        assert_eq!(
            decoded("egbpdaj6bu4bxfgehfvwxn").as_deref(),
            Some("ليهمابتكلموشعربي؟")
        );
        assert_eq!(
            decoded("ihqwcrb4cv8a8dqg056pqjye").as_deref(),
            Some("他们为什么不说中文")
        );
        assert_eq!(
            decoded("3B-ww4c5e180e575a65lsy2b").as_deref(),
            Some("3年B組金八先生")
        );
        assert_eq!(decoded("bcher-kva").as_deref(), Some("bücher"));
        assert_eq!(decoded("ls8h").as_deref(), Some("💩"));
        assert_eq!(decoded("").as_deref(), Some(""));
        assert_eq!(decoded("a").as_deref(), Some("\u{80}"));
        assert_eq!(decoded("abc-").as_deref(), Some("abc"));
        assert_eq!(decoded("99999999999"), None, "overflow");
        assert_eq!(decoded("b"), None, "cut short");
        assert_eq!(decoded("_"), None);
        assert_eq!(decoded("ü-a"), None);
    }

    #[test]
    fn xn_labels_must_decode_to_a_label() {
        for ok in [
            "api.exponea.com",
            "xn--bcher-kva.example",
            "a.xn--ls8h.la",
            "localhost",
            "[::1]",
        ] {
            assert!(punycode_labels_decode(ok), "{ok}");
        }
        for bad in [
            "xn--",
            "xn--a.com",
            "api.xn--.com",
            "xn--99999999999.com",
            "xn--_.com",
        ] {
            assert!(!punycode_labels_decode(bad), "{bad}");
        }
    }
}
