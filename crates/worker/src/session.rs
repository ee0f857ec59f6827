//! The console's sign-in: a stateless session cookie (an expiry signed with a key derived from `ADMIN_TOKEN`), and the same-origin check of cookie-authenticated changes.
//!
//! Pure (no Worker types) so it is tested on the host. The cookie is
//! `<expiresAtSeconds>.<base64url(HMAC-SHA256(key, "sb-session:" + expiresAtSeconds))>` with
//! `key = HMAC-SHA256(ADMIN_TOKEN, "console-session")`: it never holds the token, it cannot be
//! made without it, and changing `ADMIN_TOKEN` ends every session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The cookie's name.
pub const SESSION_COOKIE: &str = "sb_session";
/// How long a sign-in lasts.
pub const SESSION_SECONDS: u64 = 3600;
/// The longest expiry a cookie may carry, in digits (seconds since 1970 fit in 12 for 30,000 years).
const MAX_EXPIRY_DIGITS: usize = 12;

fn signer(admin_token: &str, expires_at: &str) -> HmacSha256 {
    let mut derive =
        HmacSha256::new_from_slice(admin_token.as_bytes()).expect("HMAC takes any key");
    derive.update(b"console-session");
    let key = derive.finalize().into_bytes();
    let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(b"sb-session:");
    mac.update(expires_at.as_bytes());
    mac
}

/// The cookie's value for a session that ends at `expires_at` (seconds since 1970).
pub fn session_value(admin_token: &str, expires_at: u64) -> String {
    let expires = expires_at.to_string();
    let tag = signer(admin_token, &expires).finalize().into_bytes();
    format!("{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// When the session of this cookie value ends, if it was made with `admin_token` and has not
/// ended at `now` (seconds). The tag is compared in constant time (`hmac`'s `verify_slice`).
pub fn session_expiry(admin_token: &str, value: &str, now: u64) -> Option<u64> {
    let (expires, tag) = value.split_once('.')?;
    if expires.is_empty()
        || expires.len() > MAX_EXPIRY_DIGITS
        || !expires.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let expires_at: u64 = expires.parse().ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    signer(admin_token, expires).verify_slice(&tag).ok()?;
    (expires_at > now).then_some(expires_at)
}

/// The value of cookie `name` in a `Cookie` header (the first one of that name).
pub fn cookie_in<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches('"'))
    })
}

/// The `Set-Cookie` that signs in: HttpOnly (no script reads it), Secure, SameSite=Strict.
pub fn set_cookie(value: &str) -> String {
    format!("{SESSION_COOKIE}={value}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}")
}

/// The `Set-Cookie` that signs out.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

/// The origin (`scheme://host[:port]`) of an absolute URL as the runtime gives it.
pub fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (end > 0).then(|| &url[..scheme_end + end])
}

/// Whether a request's `Origin` header names the request URL's own origin (a page of this Worker).
pub fn same_origin(origin: Option<&str>, request_url: &str) -> bool {
    match (origin.map(str::trim), origin_of(request_url)) {
        (Some(given), Some(own)) => given.eq_ignore_ascii_case(own),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "dev-admin-token-0123456789abcdef";

    #[test]
    fn a_session_is_its_expiry_signed_and_ends_then() {
        let value = session_value(TOKEN, 1_800_000_000);
        let (expires, tag) = value.split_once('.').unwrap();
        assert_eq!(expires, "1800000000");
        assert_eq!(tag.len(), 43, "32 bytes of base64url without padding");
        assert!(!value.contains(TOKEN));
        // The contract's formula, spelled out.
        let mut key = HmacSha256::new_from_slice(TOKEN.as_bytes()).unwrap();
        key.update(b"console-session");
        let mut mac = HmacSha256::new_from_slice(&key.finalize().into_bytes()).unwrap();
        mac.update(b"sb-session:1800000000");
        assert_eq!(tag, URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));

        assert_eq!(
            session_expiry(TOKEN, &value, 1_799_999_999),
            Some(1_800_000_000)
        );
        assert_eq!(session_expiry(TOKEN, &value, 1_800_000_000), None);
        assert_eq!(session_expiry("another-token", &value, 0), None);
        let later = value.replacen("1800000000", "1800000001", 1);
        assert_eq!(session_expiry(TOKEN, &later, 0), None);
        let mut flipped = value.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            session_expiry(TOKEN, &String::from_utf8(flipped).unwrap(), 0),
            None
        );
        for bad in [
            "",
            ".",
            "1800000000",
            "1800000000.",
            "x.abc",
            "+1.abc",
            "1234567890123.abc",
        ] {
            assert_eq!(session_expiry(TOKEN, bad, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn cookies_and_origins() {
        assert_eq!(
            cookie_in("a=1; sb_session=9.x-y; b=2", SESSION_COOKIE),
            Some("9.x-y")
        );
        assert_eq!(cookie_in("xsb_session=1", SESSION_COOKIE), None);
        assert_eq!(cookie_in("", SESSION_COOKIE), None);
        assert_eq!(
            set_cookie("1.a"),
            "sb_session=1.a; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600"
        );
        assert_eq!(
            clear_cookie(),
            "sb_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8787/admin/x?y"),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(origin_of("https://a.example"), Some("https://a.example"));
        assert_eq!(origin_of("nothing"), None);
        assert!(same_origin(
            Some("http://127.0.0.1:8787"),
            "http://127.0.0.1:8787/admin/config"
        ));
        assert!(!same_origin(
            Some("http://127.0.0.1:8788"),
            "http://127.0.0.1:8787/admin/config"
        ));
        assert!(!same_origin(
            Some("https://evil.example"),
            "https://a.example/admin"
        ));
        assert!(!same_origin(Some("null"), "https://a.example/admin"));
        assert!(!same_origin(None, "https://a.example/admin"));
    }
}
