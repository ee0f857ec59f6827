// The Worker's routes in workerd: every route, auth, signatures, mixed batches and /health (bad input: bad-input.test.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  ADMIN, API_KEY, BASE_BINDINGS, BEARER_TOKEN, SHARED_SECRET, WRITE_KEY,
  basicAuth, catalogSettings, npmPackage, postJson, startWorker, storedCommands,
} from "./support.mjs";

const { mapEvent } = npmPackage();
const SETTINGS = catalogSettings();
const SECRETS = [API_KEY, WRITE_KEY, SHARED_SECRET, BEARER_TOKEN, "dev-api-secret"];

const EVENTS = {
  track: { event: "Order Completed", userId: "u-1", properties: { revenue: 12.5 }, messageId: "m-track", timestamp: "2024-03-04T15:32:56.409Z" },
  identify: { userId: "u-1", anonymousId: "a-1", traits: { email: "a@example.com" }, messageId: "m-identify", timestamp: "2024-05-01T10:00:00.000Z" },
  page: { anonymousId: "a-1", name: "Home", properties: { path: "/" }, messageId: "m-page", timestamp: "2024-05-01T10:00:00.000Z" },
  screen: { userId: "u-1", name: "Settings", messageId: "m-screen", timestamp: "2024-05-01T10:00:00.000Z" },
  group: { userId: "u-1", groupId: "g-1", traits: { name: "Acme" }, messageId: "m-group", timestamp: "2024-05-01T10:00:00.000Z" },
  alias: { userId: "u-1", previousId: "a-1", messageId: "m-alias", timestamp: "2024-05-01T10:00:00.000Z" },
};

function sign(body, secret = SHARED_SECRET) {
  return createHmac("sha1", secret).update(body).digest("hex");
}

function assertNoSecrets(text, where) {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} leaks a secret`);
}

/** Each command the npm package makes of `event` was saved by the stand-in exactly once and equal. */
function assertDeliveredAsNpmMaps(standIn, event) {
  const stored = storedCommands(standIn);
  const expected = mapEvent(event, SETTINGS);
  assert.ok(expected.length > 0);
  for (const command of expected) {
    assert.deepEqual(stored.get(command.command_id), [command], `command ${command.command_id}`);
  }
}

test("health reports version, valid config, direct mode and no secrets", async () => {
  const worker = await startWorker({ bindings: { BLOOMREACH_API_SECRET: "dev-api-secret", WEBHOOK_BEARER_TOKEN: BEARER_TOKEN } });
  try {
    const { status, json, text, headers } = await worker.dispatch("/health", ADMIN);
    assert.equal(status, 200);
    assert.equal(headers.get("cache-control"), "no-store");
    assert.deepEqual(json, {
      service: "segment-bloomreach",
      version: "0.1.0",
      status: "ok",
      config: { valid: true, problems: [] },
      deliveryMode: "direct",
      deliveryLedger: { bound: true, objects: 2 },
      deadLetters: { count: 0, oldestParkedAt: null, oldestExpiresAt: null, retentionDays: 14 },
      deliveryMetrics: false,
      devOpenMode: false,
      senderAuth: { writeKey: true, webhookSignature: true, webhookBearer: true },
      bloomreach: {
        apiBaseUrl: "http://127.0.0.1:8788/",
        auth: "private key pair (Basic)",
        hardId: "registered",
        softId: "cookie",
        flattenNestedObjects: false,
        trackSessionPing: false,
        rules: [],
        ecommerceEvents: false,
        consentCategories: {},
        requiredConsentCategories: [],
      },
    });
    assertNoSecrets(text, "/health");
    const head = await worker.dispatch("/health", { method: "HEAD", ...ADMIN });
    assert.equal(head.status, 200);
    assert.equal(head.text, "");
    // Without the admin token (or with a sender's credential): status and version only.
    for (const init of [{}, { headers: { authorization: `Bearer ${WRITE_KEY}` } }, { headers: { authorization: basicAuth() } }]) {
      const anonymous = await worker.dispatch("/health", init);
      assert.equal(anonymous.status, 200);
      assert.deepEqual(anonymous.json, { service: "segment-bloomreach", version: "0.1.0", status: "ok" });
    }
  } finally {
    await worker.dispose();
  }
});

test("invalid config: /health lists every problem, ingest answers 503 config_invalid, nothing leaks", async () => {
  const worker = await startWorker({
    bindings: {
      BLOOMREACH_API_BASE_URL: "ftp://example.com/",
      BLOOMREACH_PROJECT_TOKEN: undefined,
      BLOOMREACH_API_SECRET: "dev-api-secret",
      TRACK_SESSION_PING: "maybe",
    },
  });
  try {
    const problems = [
      { variable: "BLOOMREACH_API_BASE_URL", message: "must be an absolute https:// URL (e.g. https://api.exponea.com/)" },
      { variable: "BLOOMREACH_PROJECT_TOKEN", message: "is required" },
      { variable: "TRACK_SESSION_PING", message: "must be true or false" },
    ];
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.status, 503);
    assert.equal(health.json.status, "config_invalid");
    assert.deepEqual(health.json.config, { valid: false, problems });
    const anonymous = await worker.dispatch("/health");
    assert.deepEqual([anonymous.status, anonymous.json], [503, { service: "segment-bloomreach", version: "0.1.0", status: "config_invalid" }]);
    assert.equal(health.json.bloomreach, undefined);
    assertNoSecrets(health.text, "/health");

    const ingest = await worker.dispatch("/v1/track", postJson(EVENTS.track));
    assert.equal(ingest.status, 503);
    assert.equal(ingest.headers.get("retry-after"), "30");
    assert.deepEqual(ingest.json, {
      error: {
        code: "config_invalid",
        message: "the Worker's configuration is invalid (3 problems); the operator must fix it, then retry",
        problems,
      },
    });
    assertNoSecrets(ingest.text, "config_invalid");
    // A sender without the write key learns nothing of the configuration: 401, no problems.
    const stranger = await worker.dispatch("/v1/track", postJson(EVENTS.track, { authorization: basicAuth("not-the-key") }));
    assert.equal(stranger.status, 401);
    assert.deepEqual(Object.keys(stranger.json.error), ["code", "message"]);
    assert.equal(stranger.json.error.code, "invalid_credentials");
    assertNoSecrets(worker.logs.map((l) => l.text).join("\n"), "the log");
  } finally {
    await worker.dispose();
  }
});

test("every /v1 call route delivers its event as the npm package maps it", async () => {
  const worker = await startWorker();
  try {
    for (const [type, event] of Object.entries(EVENTS)) {
      const { status, json } = await worker.dispatch(`/v1/${type}`, postJson(event));
      assert.equal(status, 200, type);
      assert.deepEqual(json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 }, type);
      assertDeliveredAsNpmMaps(worker.standIn, { type, ...event });
    }
    // The stand-in checked path, auth header and body shape of every request.
    assert.ok(worker.standIn.received.requests.every((r) => r.authOk && r.status === 200));
    const lines = worker.logLines("request");
    assert.equal(lines.length, 6);
    assert.deepEqual(
      { ...lines[0], durationMs: 0, upstreamMs: lines[0].upstreamMs.map(() => 0) },
      {
        kind: "request", method: "POST", path: "/v1/track", mode: "direct", status: 200, auth: "basic_write_key",
        bytes: JSON.stringify(EVENTS.track).length, events: 1, delivered: 1, rejected: 0, skipped: 0, pending: 0,
        retried: 0, upstreamStatuses: [200], upstreamMs: [0], ledger: { keys: 1, hits: 0, busy: 0, repeats: 0, unknown: 0, inDoubt: 0, written: 1 },
        durationMs: 0,
      },
    );
    assert.ok(lines.every((l) => l.upstreamMs.every((ms) => Number.isInteger(ms) && ms >= 0 && ms <= l.durationMs)));
    // Every Bloomreach request delivered all it carried: no line of its own.
    assert.deepEqual(worker.logLines("delivery"), []);
  } finally {
    await worker.dispose();
  }
});

test("/v1/batch: bad events are listed, good ones delivered; top-level context merges", async () => {
  const worker = await startWorker();
  try {
    const body = {
      context: { app: { version: "2.0" } },
      batch: [
        { type: "track", ...EVENTS.track },
        { type: "track", userId: "u-2", messageId: "m-no-name" },
        { type: "identify", messageId: "m-nobody", traits: {} },
        "not an event",
        { type: "page", ...EVENTS.page, integrations: { "Bloomreach Engagement": false }, messageId: "m-opted-out" },
        { type: "alias", previousId: "a-9", messageId: "m-alias-no-user" },
        { type: "unknown", userId: "u-3", messageId: "m-unknown" },
        { type: "group", ...EVENTS.group },
      ],
      sentAt: "2024-03-04T15:33:00.000Z",
    };
    const { status, json } = await worker.dispatch("/v1/batch", postJson(body));
    assert.equal(status, 200);
    assert.deepEqual(json, {
      received: 8,
      delivered: 2,
      rejected: [
        { index: 1, messageId: "m-no-name", code: "missing_event_name", message: 'event 1 (messageId "m-no-name"): a track call needs an `event` name' },
        { index: 2, messageId: "m-nobody", code: "missing_identity", message: 'event 2 (messageId "m-nobody"): the event has neither `userId` nor `anonymousId`' },
        { index: 3, code: "invalid_event", message: "event 3: an event must be a JSON object, got string" },
        {
          index: 6, messageId: "m-unknown", code: "unsupported_type",
          message: 'event 6 (messageId "m-unknown"): `type` "unknown" is not supported (expected one of page, screen, track, identify, alias, group)',
        },
      ],
      skipped: [
        { index: 4, messageId: "m-opted-out", code: "opted_out", message: 'event 4 (messageId "m-opted-out") skipped: the event\'s `integrations` turn the Bloomreach Engagement destination off' },
        { index: 5, messageId: "m-alias-no-user", code: "alias_without_user_id", message: 'event 5 (messageId "m-alias-no-user") skipped: an alias without `userId` has no customer to merge `previousId` into' },
      ],
      retried: 0,
    });
    const stored = storedCommands(worker.standIn);
    assert.deepEqual([...stored.keys()].sort(), ["m-group", "m-track"]);
    assertDeliveredAsNpmMaps(worker.standIn, { type: "track", ...EVENTS.track, context: body.context });
  } finally {
    await worker.dispose();
  }
});

test("tracking API auth: missing, wrong, in the body, text/plain like analytics.js", async () => {
  const worker = await startWorker();
  try {
    const noHeader = await worker.dispatch("/v1/track", postJson(EVENTS.track, { authorization: "" }));
    assert.equal(noHeader.status, 401);
    assert.deepEqual(noHeader.json, {
      error: { code: "missing_credentials", message: "send `Authorization: Basic base64(writeKey:)` or `writeKey` in the body" },
    });
    const wrong = await worker.dispatch("/v1/track", postJson(EVENTS.track, { authorization: basicAuth("nope") }));
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, { error: { code: "invalid_credentials", message: "the write key is not valid" } });
    const bearer = await worker.dispatch("/v1/track", postJson(EVENTS.track, { authorization: `Bearer ${WRITE_KEY}` }));
    assert.equal(bearer.json.error.code, "invalid_credentials");
    const wrongInBody = await worker.dispatch("/v1/track", postJson({ ...EVENTS.track, writeKey: "nope" }, { authorization: "" }));
    assert.equal(wrongInBody.json.error.code, "invalid_credentials");
    assert.equal(worker.standIn.received.requests.length, 0, "nothing unauthenticated reaches Bloomreach");

    const inBody = await worker.dispatch("/v1/batch", postJson({ batch: [{ type: "track", ...EVENTS.track }], writeKey: WRITE_KEY }, { authorization: "" }));
    assert.equal(inBody.status, 200);
    assert.equal(inBody.json.delivered, 1);
    const browser = await worker.dispatch("/v1/batch", {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://shop.example" },
      body: JSON.stringify({ batch: [{ type: "page", ...EVENTS.page }], writeKey: WRITE_KEY }),
    });
    assert.equal(browser.status, 200);
    assert.equal(browser.headers.get("access-control-allow-origin"), "*");
    // analytics.js's one-letter paths (`/v1/t`, `/v1/p`, …) with the write key in a text/plain body.
    const short = await worker.dispatch("/v1/t", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ ...EVENTS.track, messageId: "m-ajs", writeKey: WRITE_KEY }),
    });
    assert.equal(short.status, 200);
    assert.equal(short.json.delivered, 1);
    assertDeliveredAsNpmMaps(worker.standIn, { type: "track", ...EVENTS.track, messageId: "m-ajs", writeKey: WRITE_KEY });
    const preflight = await worker.dispatch("/v1/batch", { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "Authorization, Content-Type, X-Signature");
    assertNoSecrets(worker.logs.map((l) => l.text).join("\n"), "the log");
  } finally {
    await worker.dispose();
  }
});

test("webhook: signature over the raw body, bearer token, one event or an array", async () => {
  const worker = await startWorker({ bindings: { WEBHOOK_BEARER_TOKEN: BEARER_TOKEN } });
  try {
    const post = (body, headers) => worker.dispatch("/webhook", { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const raw = `{ "type": "track",  "event": "Signed", "userId": "u-9", "messageId": "m-signed", "timestamp": "2024-05-01T10:00:00.000Z" }`;
    const signed = await post(raw, { "x-signature": sign(raw) });
    assert.equal(signed.status, 200);
    assert.deepEqual(signed.json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 });
    assert.equal(worker.logLines("request").at(-1).auth, "webhook_signature");

    // The same event re-serialized: the signature no longer matches its bytes.
    const reserialized = await post(JSON.stringify(JSON.parse(raw)), { "x-signature": sign(raw) });
    assert.equal(reserialized.status, 401);
    assert.deepEqual(reserialized.json, {
      error: { code: "invalid_credentials", message: "X-Signature is not the HMAC-SHA1 of the body with the shared secret" },
    });
    const wrongSecret = await post(raw, { "x-signature": sign(raw, "other-secret") });
    assert.equal(wrongSecret.json.error.code, "invalid_credentials");
    const missing = await post(raw, {});
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, "missing_credentials");
    const badBearer = await post(raw, { authorization: "Bearer nope" });
    assert.deepEqual(badBearer.json, { error: { code: "invalid_credentials", message: "the bearer token is not valid" } });

    const array = JSON.stringify([
      { type: "identify", userId: "u-9", traits: { plan: "pro" }, messageId: "m-w1", timestamp: "2024-05-01T10:00:00.000Z" },
      { type: "page", anonymousId: "a-9", name: "Pricing", messageId: "m-w2", timestamp: "2024-05-01T10:00:00.000Z" },
      { type: "track", messageId: "m-w3" },
    ]);
    const withBearer = await post(array, { authorization: `Bearer ${BEARER_TOKEN}` });
    assert.equal(withBearer.status, 200);
    assert.equal(withBearer.json.received, 3);
    assert.equal(withBearer.json.delivered, 2);
    assert.deepEqual(withBearer.json.rejected.map((r) => [r.index, r.code]), [[2, "missing_identity"]]);
    assert.equal(worker.logLines("request").at(-1).auth, "bearer_token");
    assertDeliveredAsNpmMaps(worker.standIn, { type: "page", anonymousId: "a-9", name: "Pricing", messageId: "m-w2", timestamp: "2024-05-01T10:00:00.000Z" });
  } finally {
    await worker.dispose();
  }
});

// Size limits and malformed requests (400, 404, 405, 413, 415): tests/worker/bad-input.test.mjs.

test("dev open mode is explicit and reported by /health", async () => {
  const worker = await startWorker({ bindings: { SEGMENT_WRITE_KEY: undefined, SEGMENT_SHARED_SECRET: undefined, DEV_ALLOW_UNAUTHENTICATED: "true" } });
  try {
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.json.devOpenMode, true);
    assert.deepEqual(health.json.senderAuth, { writeKey: false, webhookSignature: false, webhookBearer: false });
    const open = await worker.dispatch("/v1/track", postJson(EVENTS.track, { authorization: "" }));
    assert.equal(open.status, 200);
    assert.equal(worker.logLines("request").at(-1).auth, "dev_open_mode");
  } finally {
    await worker.dispose();
  }
  // Without the flag and without credentials, nothing is accepted: the config is invalid.
  const closed = await startWorker({ bindings: { SEGMENT_WRITE_KEY: undefined, SEGMENT_SHARED_SECRET: undefined } });
  try {
    const health = await closed.dispatch("/health", ADMIN);
    assert.equal(health.status, 503);
    assert.equal(health.json.devOpenMode, false);
    assert.deepEqual(health.json.config.problems.map((p) => p.variable), ["SEGMENT_WRITE_KEY"]);
    // No credential can pass, so no sender is told about the configuration: 401.
    const refused = await closed.dispatch("/v1/track", postJson(EVENTS.track));
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.code, "credentials_not_configured");
  } finally {
    await closed.dispose();
  }
});

test("BASE_BINDINGS match the stand-in's defaults", () => {
  assert.equal(BASE_BINDINGS.BLOOMREACH_PROJECT_TOKEN, "local-project");
  assert.equal(BASE_BINDINGS.BLOOMREACH_API_KEY, "local-api-key");
});
