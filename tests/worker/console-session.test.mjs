// The console's sign-in in workerd: POST /admin/session trades the admin token for a stateless
// HttpOnly session cookie, every admin route takes the cookie or the bearer token, an expired or
// tampered cookie is refused, a cookie-authenticated change needs the Worker's own Origin, and
// sign-out clears the cookie.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { ADMIN, ADMIN_TOKEN, startWorker } from "./support.mjs";

const ORIGIN = "http://worker.test";
const COOKIE = /^sb_session=(\d+)\.([A-Za-z0-9_-]{43}); HttpOnly; Secure; SameSite=Strict; Path=\/; Max-Age=3600$/;

/** The cookie value of the contract, made here independently of the Worker. */
function sessionValue(expiresAt, token = ADMIN_TOKEN) {
  const key = createHmac("sha256", token).update("console-session").digest();
  return `${expiresAt}.${createHmac("sha256", key).update(`sb-session:${expiresAt}`).digest("base64url")}`;
}

const signIn = (token, headers = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ token }) });
const withCookie = (value, init = {}) => ({ ...init, headers: { ...init.headers, cookie: `theme=dark; sb_session=${value}` } });

test("sign in: the token buys a signed, expiring HttpOnly cookie that opens every admin route", async () => {
  const worker = await startWorker();
  try {
    const before = Math.floor(Date.now() / 1000);
    const answer = await worker.dispatch("/admin/session", signIn(ADMIN_TOKEN, { origin: ORIGIN }));
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.headers.get("cache-control"), "no-store");
    const setCookie = answer.headers.get("set-cookie");
    const match = COOKIE.exec(setCookie);
    assert.ok(match, setCookie);
    const expiresAt = Number(match[1]);
    assert.ok(expiresAt >= before + 3600 && expiresAt <= Math.ceil(Date.now() / 1000) + 3600, `${expiresAt}`);
    const value = setCookie.split(";")[0].slice("sb_session=".length);
    assert.equal(value, sessionValue(expiresAt), "the contract's HMAC-SHA256 formula");
    assert.ok(!setCookie.includes(ADMIN_TOKEN));

    const session = await worker.dispatch("/admin/session", withCookie(value));
    assert.equal(session.status, 200, session.text);
    assert.deepEqual(session.json, { signedIn: true, via: "cookie", expiresAt: new Date(expiresAt * 1000).toISOString().replace(".000Z", "Z") });

    // The cookie alone opens a GET route and, from the Worker's own origin, a change.
    const versions = await worker.dispatch("/admin/config/versions", withCookie(value));
    assert.equal(versions.status, 200, versions.text);
    assert.equal(versions.headers.get("cache-control"), "no-store");
    const letters = await worker.dispatch("/admin/dead-letters", withCookie(value));
    assert.equal(letters.status, 200, letters.text);
    const validate = await worker.dispatch(
      "/admin/config/validate",
      withCookie(value, { method: "POST", headers: { origin: ORIGIN, "content-type": "application/json" }, body: JSON.stringify({ config: { sources: "nope" } }) }),
    );
    assert.equal(validate.status, 400, validate.text);
    assert.equal(validate.json.error.code, "config_refused", "authenticated, then refused for its content");

    // The bearer token works as before, with no Origin.
    const bearer = await worker.dispatch("/admin/config/validate", { method: "POST", headers: { ...ADMIN.headers, "content-type": "application/json" }, body: JSON.stringify({ config: { sources: "nope" } }) });
    assert.equal(bearer.json.error.code, "config_refused", bearer.text);
    const bearerSession = await worker.dispatch("/admin/session", ADMIN);
    assert.deepEqual(bearerSession.json, { signedIn: true, via: "token", expiresAt: null });
  } finally {
    await worker.dispose();
  }
});

test("a wrong or missing token, and an expired, tampered or foreign cookie, are 401 with no data", async () => {
  const worker = await startWorker();
  try {
    const wrong = await worker.dispatch("/admin/session", signIn(`${ADMIN_TOKEN}x`));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("set-cookie"), null);
    assert.deepEqual(wrong.json, { error: { code: "invalid_credentials", message: "the admin token is not valid" } });
    assert.equal(wrong.headers.get("www-authenticate"), 'Bearer realm="segment-bloomreach admin"', "no Basic challenge: browsers would prompt");
    const missing = await worker.dispatch("/admin/session", { method: "POST", body: "{}" });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, "missing_credentials");
    const notJson = await worker.dispatch("/admin/session", { method: "POST", body: ADMIN_TOKEN });
    assert.equal(notJson.status, 401);

    const now = Math.floor(Date.now() / 1000);
    const expired = sessionValue(now - 1);
    const valid = sessionValue(now + 600);
    const [expires, tag] = valid.split(".");
    const tampered = [
      `${Number(expires) + 3600}.${tag}`, // a later expiry with the old signature
      `${expires}.${tag.slice(0, -1)}${tag.endsWith("A") ? "B" : "A"}`,
      `${expires}.`,
      expires,
      sessionValue(now + 600, "another-admin-token-0123456789abcdef"),
    ];
    for (const value of [expired, ...tampered]) {
      for (const path of ["/admin/session", "/admin/config", "/admin/config/versions", "/admin/dead-letters"]) {
        const refused = await worker.dispatch(path, withCookie(value));
        assert.equal(refused.status, 401, `${path} with ${value}`);
        assert.deepEqual(Object.keys(refused.json), ["error"]);
        assert.equal(refused.json.error.code, "invalid_credentials");
        assert.equal(refused.headers.get("cache-control"), "no-store");
      }
    }
    const none = await worker.dispatch("/admin/config/versions");
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, "missing_credentials");
    // The same valid cookie works.
    assert.equal((await worker.dispatch("/admin/config/versions", withCookie(valid))).status, 200);
  } finally {
    await worker.dispose();
  }
});

test("a change by cookie from another origin, or with no Origin, is 403 origin_not_allowed; sign-out clears the cookie", async () => {
  const worker = await startWorker();
  try {
    const value = sessionValue(Math.floor(Date.now() / 1000) + 600);
    const change = (headers) => withCookie(value, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ ids: ["x"] }) });
    for (const headers of [{ origin: "https://evil.example" }, { origin: "null" }, { origin: "http://worker.test:8080" }, {}]) {
      for (const path of ["/admin/dead-letters/discard", "/admin/config/rollback", "/admin/config"]) {
        const refused = await worker.dispatch(path, change(headers));
        assert.equal(refused.status, 403, `${path} ${JSON.stringify(headers)}: ${refused.text}`);
        assert.equal(refused.json.error.code, "origin_not_allowed");
      }
    }
    // A WebSocket by cookie is a GET, but any site's page may open one: it needs the Origin too.
    for (const origin of ["https://evil.example", undefined]) {
      const socket = await worker.dispatch("/admin/sources/default/live", withCookie(value, { headers: { upgrade: "websocket", connection: "Upgrade", ...(origin ? { origin } : {}) } }));
      assert.equal(socket.status, 403, `${origin}: ${socket.text}`);
      assert.equal(socket.json.error.code, "origin_not_allowed");
    }
    const same = await worker.dispatch("/admin/dead-letters/discard", change({ origin: ORIGIN }));
    assert.equal(same.status, 200, same.text);
    // Signing in from another origin is refused too.
    const foreign = await worker.dispatch("/admin/session", signIn(ADMIN_TOKEN, { origin: "https://evil.example" }));
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get("set-cookie"), null);

    const out = await worker.dispatch("/admin/session", withCookie(value, { method: "DELETE", headers: { origin: ORIGIN } }));
    assert.equal(out.status, 204);
    assert.equal(out.headers.get("set-cookie"), "sb_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    const put = await worker.dispatch("/admin/session", { method: "PUT" });
    assert.equal(put.status, 405);
  } finally {
    await worker.dispose();
  }
});

test("without ADMIN_TOKEN there is no sign-in either (404)", async () => {
  const worker = await startWorker({ bindings: { ADMIN_TOKEN: undefined } });
  try {
    for (const init of [signIn(ADMIN_TOKEN), {}, { method: "DELETE" }, withCookie(sessionValue(Math.floor(Date.now() / 1000) + 600))]) {
      const answer = await worker.dispatch("/admin/session", init);
      assert.equal(answer.status, 404, JSON.stringify(init));
      assert.equal(answer.headers.get("set-cookie"), null);
    }
  } finally {
    await worker.dispose();
  }
});
