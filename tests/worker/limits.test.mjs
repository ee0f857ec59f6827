// What a public ingest endpoint owes its honest senders, in workerd (Miniflare, real Rate Limiting
// bindings): each source's requests count against a binding per client address and one per source,
// 429 rate_limited with Retry-After before the body is read as events, one source's flood leaves
// the others alone; a missing binding lets requests pass, said once in the log; a browser key that
// lists its origins answers them by name and refuses every other page (403 origin_not_allowed);
// and, as Segment's ingest does, an event without messageId gets a fresh one and an event without a
// time the time it arrived, so two identical events are two deliveries, not a duplicate. The
// console's overview counts the refused requests per source.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ADMIN_TOKEN, basicAuth, postJson, PROJECT_TOKEN, startWorker, waitFor } from "./support.mjs";

const FLOOD_KEY = "flood-browser-key-01";
const STEADY_KEY = "steady-browser-key-02";
const CAPPED_KEY = "capped-server-key-03";
const SHOP_KEY = "shop-browser-key-04";

const admin = (body) => ({ method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });

function configuration() {
  return {
    destinations: [{ name: "main", apiBaseUrl: "http://127.0.0.1:8788/", projectToken: PROJECT_TOKEN, apiKeySecret: "BLOOMREACH_API_KEY" }],
    sources: [
      // 5 requests a minute per client address, no limit in all.
      { name: "flood", destination: "main", writeKeys: [{ kind: "browser", key: FLOOD_KEY }], rateLimits: { perClient: "TIGHT_CLIENT_LIMIT", perSource: false } },
      // The defaults (INGEST_CLIENT_LIMIT, INGEST_SOURCE_LIMIT).
      { name: "steady", destination: "main", writeKeys: [{ kind: "browser", key: STEADY_KEY }] },
      // 3 requests a minute in all, whatever the address.
      { name: "capped", destination: "main", writeKeys: [{ kind: "server", key: CAPPED_KEY }], rateLimits: { perClient: false, perSource: "TIGHT_SOURCE_LIMIT" } },
      { name: "shop", destination: "main", writeKeys: [{ kind: "browser", key: SHOP_KEY, allowedOrigins: ["https://shop.example.com", "http://localhost:3000"] }] },
    ],
  };
}

const RATELIMITS = {
  INGEST_CLIENT_LIMIT: { simple: { limit: 100, period: 10 } },
  INGEST_SOURCE_LIMIT: { simple: { limit: 1000, period: 10 } },
  TIGHT_CLIENT_LIMIT: { simple: { limit: 5, period: 60 } },
  TIGHT_SOURCE_LIMIT: { simple: { limit: 3, period: 60 } },
};

async function startConfigured(options = {}) {
  const worker = await startWorker({ ratelimits: RATELIMITS, inspector: true, ...options });
  const published = await worker.dispatch("/admin/config", admin({ config: configuration(), baseVersion: 0 }));
  assert.equal(published.status, 201, published.text);
  return worker;
}

const track = (messageId, extra = {}) => ({ type: "track", event: "Limit Test", userId: "u-1", messageId, timestamp: "2024-05-01T10:00:00.000Z", ...extra });
const from = (key, address, headers = {}) => ({ authorization: basicAuth(key), "cf-connecting-ip": address, ...headers });
const stored = (standIn) => standIn.received.stored.map((c) => c.command_id);

test("each source is held to its limits per client and in all; one source's flood leaves the others alone", async () => {
  const worker = await startConfigured();
  try {
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const answer = await worker.dispatch("/v1/track", postJson(track(`f-${i}`), from(FLOOD_KEY, "203.0.113.1")));
      statuses.push(answer.status);
      if (answer.status === 429) {
        assert.deepEqual(answer.json, { error: { code: "rate_limited", message: "too many requests for this source from this client address: send again after Retry-After seconds" } });
        assert.equal(answer.headers.get("retry-after"), "10");
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    // Over the limit the body is not even read as events: not JSON, still 429 (not 400).
    const garbage = await worker.dispatch("/v1/track", postJson("{not json", from(FLOOD_KEY, "203.0.113.1")));
    assert.equal(garbage.status, 429, garbage.text);
    // Another address of the same source has its own allowance; another source is untouched.
    assert.equal((await worker.dispatch("/v1/track", postJson(track("f-other"), from(FLOOD_KEY, "203.0.113.2")))).status, 200);
    for (let i = 0; i < 3; i++) {
      const answer = await worker.dispatch("/v1/track", postJson(track(`s-${i}`), from(STEADY_KEY, "203.0.113.1")));
      assert.equal(answer.status, 200, answer.text);
    }
    // A per-source limit counts every address together.
    const capped = [];
    for (let i = 0; i < 4; i++) {
      const answer = await worker.dispatch("/v1/track", postJson(track(`c-${i}`), from(CAPPED_KEY, `198.51.100.${i}`)));
      capped.push(answer.status);
      if (answer.status === 429) assert.match(answer.json.error.message, /from all clients/);
    }
    assert.deepEqual(capped, [200, 200, 200, 429]);
    // Exactly what was accepted reached Bloomreach.
    assert.deepEqual(stored(worker.standIn), ["f-0", "f-1", "f-2", "f-3", "f-4", "f-other", "s-0", "s-1", "s-2", "c-0", "c-1", "c-2"]);
    const limited = worker.logLines("request").filter((l) => l.status === 429);
    assert.deepEqual(limited.map((l) => [l.source, l.code]), [...Array(4).fill(["flood", "rate_limited"]), ["capped", "rate_limited"]]);
    // The console's overview counts the refused requests per source (written after the answer).
    const refused = await waitFor(async () => {
      const overview = await worker.dispatch("/admin/overview", ADMIN);
      const bySource = Object.fromEntries(overview.json.sources.map((source) => [source.name, source.lastHour.refused]));
      return bySource.flood?.rate_limited === 4 && bySource.capped?.rate_limited === 1 ? bySource : null;
    }, { timeoutMs: 10_000, what: "the refused requests in the overview" });
    assert.deepEqual(refused, { flood: { rate_limited: 4 }, steady: {}, capped: { rate_limited: 1 }, shop: {} });
  } finally {
    await worker.dispose();
  }
});

test("without its Rate Limiting binding a source's requests pass, and the log says so once", async () => {
  const worker = await startWorker();
  try {
    for (let i = 0; i < 3; i++) {
      const answer = await worker.dispatch("/v1/track", postJson(track(`n-${i}`)));
      assert.equal(answer.status, 200, answer.text);
    }
    assert.deepEqual(stored(worker.standIn), ["n-0", "n-1", "n-2"]);
    const said = worker.logLines("rate_limit");
    assert.deepEqual(said.map((l) => l.binding).sort(), ["INGEST_CLIENT_LIMIT", "INGEST_SOURCE_LIMIT"]);
    for (const line of said) assert.match(line.error, /not bound/);
  } finally {
    await worker.dispose();
  }
});

test("a browser key with allowed origins answers them by name and refuses other pages and none", async () => {
  const worker = await startConfigured();
  try {
    let answer = await worker.dispatch("/v1/track", postJson(track("o-1"), from(SHOP_KEY, "192.0.2.1", { origin: "https://shop.example.com" })));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("access-control-allow-origin"), "https://shop.example.com");
    assert.equal(answer.headers.get("vary"), "Origin");
    answer = await worker.dispatch("/v1/track", postJson(track("o-2"), from(SHOP_KEY, "192.0.2.1", { origin: "http://localhost:3000" })));
    assert.equal(answer.headers.get("access-control-allow-origin"), "http://localhost:3000");
    for (const origin of ["https://evil.example", "https://shop.example.com.evil.example", "http://shop.example.com", undefined]) {
      answer = await worker.dispatch("/v1/track", postJson(track("o-refused"), from(SHOP_KEY, "192.0.2.1", origin ? { origin } : {})));
      assert.equal(answer.status, 403, `${origin}: ${answer.text}`);
      assert.equal(answer.json.error.code, "origin_not_allowed");
    }
    await waitFor(async () => {
      const overview = await worker.dispatch("/admin/overview", ADMIN);
      return overview.json.sources.find((source) => source.name === "shop").lastHour.refused.origin_not_allowed === 4;
    }, { timeoutMs: 10_000, what: "the refused requests in the overview" });
    // A key without a list: any page, `*`.
    answer = await worker.dispatch("/v1/track", postJson(track("o-3"), from(STEADY_KEY, "192.0.2.1", { origin: "https://anywhere.example" })));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(stored(worker.standIn), ["o-1", "o-2", "o-3"]);
  } finally {
    await worker.dispose();
  }
});

test("an event without messageId gets a fresh one and one without a time the time it arrived, as Segment's ingest does", async () => {
  const worker = await startWorker();
  try {
    const login = { userId: "u1", event: "Login" };
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      const answer = await worker.dispatch("/v1/track", postJson(login));
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.delivered, 1);
    }
    const after = Date.now();
    const events = worker.standIn.received.stored;
    assert.equal(events.length, 2, "two identical events are two deliveries");
    const [first, second] = events;
    assert.notEqual(first.command_id, second.command_id);
    for (const command of events) {
      assert.match(command.command_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0$/);
      const at = command.data.timestamp * 1000;
      assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= after, `stamped ${at}, sent between ${before} and ${after}`);
    }
    // An event's own messageId and time are kept; originalTimestamp alone is a time.
    const own = [
      { type: "track", userId: "u1", event: "Own", messageId: "own-1", timestamp: "2024-05-01T10:00:00.000Z" },
      { type: "track", userId: "u1", event: "Original", messageId: "own-2", originalTimestamp: "2024-05-01T11:00:00.000Z" },
    ];
    const answer = await worker.dispatch("/v1/batch", postJson({ batch: own }));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(events.slice(2).map((c) => [c.command_id, c.data.timestamp]), [["own-1", 1714557600], ["own-2", 1714561200]]);
  } finally {
    await worker.dispose();
  }
});
