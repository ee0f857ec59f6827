// The console's inspector in workerd (Miniflare), through its admin routes: two sources' traffic
// with an event Bloomreach rejects, a mapping rejection, a skipped event, a duplicate resend and an
// injected upstream fault; the overview's counts equal what the stand-in received, the events list
// shows each event with its code, commands and Bloomreach's answer, filters and pages work,
// redacted fields never reach storage, the ring keeps at most `keep`, a WebSocket gets each new
// event within 2 s, `try` maps events with the live and an edited configuration without sending
// anything, every new route refuses without the admin token and hides without ADMIN_TOKEN, and a
// record is deleted at its expiry by the object's alarm even when its source sends nothing more.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { startPatchedWorker } from "./patched-build.mjs";
import { ADMIN_TOKEN, API_KEY, basicAuth, npmPackage, postJson, startWorker, waitFor } from "./support.mjs";

const require = createRequire(import.meta.url);
const WebSocket = require("ws");

const WEB_KEY = "web-browser-key-0001";
const APP_KEY = "app-server-key-0002";
const EMAIL = "ada@example.com";
const IP = "203.0.113.9";

/** Two sources on the stand-in's project: `web` redacts an email and an IP and requires analytics consent; `app` keeps 3 events. */
function configuration() {
  return {
    destinations: [{ name: "eu", apiBaseUrl: "http://127.0.0.1:8788/", projectToken: "local-project", apiKeySecret: "BLOOMREACH_API_KEY" }],
    sources: [
      {
        name: "web", destination: "eu", writeKeys: [{ kind: "browser", key: WEB_KEY }],
        settings: { requiredConsentCategories: ["Analytics"] },
        inspector: { redact: ["traits.email", "context.ip"] },
      },
      { name: "app", destination: "eu", writeKeys: [{ kind: "server", key: APP_KEY }], inspector: { keep: 3 } },
    ],
  };
}

const admin = (method = "GET", body) => ({
  method,
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

const at = "2024-05-01T10:00:00.000Z";
const WEB_EVENTS = [
  { type: "identify", messageId: "w-1", userId: "u-1", traits: { email: EMAIL, plan: "pro" }, context: { ip: IP }, timestamp: at },
  { type: "track", messageId: "w-2", userId: "u-1", event: "Order Completed", properties: { total: 30 }, timestamp: at },
  // A customer property over Bloomreach's 16 KB: the stand-in refuses the command.
  { type: "identify", messageId: "w-3", userId: "u-2", traits: { blob: "x".repeat(17 * 1024) }, timestamp: at },
  // Analytics consent denied: skipped.
  { type: "track", messageId: "w-4", userId: "u-3", event: "Viewed", context: { consent: { categoryPreferences: { Analytics: false } } }, timestamp: at },
  // No event name: rejected by the mapping.
  { type: "track", messageId: "w-5", userId: "u-4", timestamp: at },
];
const APP_EVENTS = ["a-1", "a-2", "a-3", "a-4"].map((messageId, i) => ({ type: "track", messageId, anonymousId: `anon-${i}`, event: "Opened", timestamp: at }));

async function startConsole(options = {}) {
  const worker = await startWorker({ inspector: true, bindings: { CONFIG_CACHE_SECONDS: "1" }, ...options });
  const published = await worker.dispatch("/admin/config", admin("POST", { config: configuration(), baseVersion: 0 }));
  assert.equal(published.status, 201, published.text);
  return worker;
}

const send = (worker, key, batch) => worker.dispatch("/v1/batch", postJson({ batch }, { authorization: basicAuth(key) }));

/** A window without what depends on the clock (its series and latency are checked apart). */
function counts(window) {
  const { series, latencyMs, ...rest } = window;
  return rest;
}

/** What an event record holds that does not depend on the clock. */
function stable(record) {
  const { id, receivedAt, durationMs, ...rest } = record;
  assert.match(id, /^\d+$/);
  assert.match(receivedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(typeof durationMs, "number");
  return rest;
}

test("the overview counts what the stand-in received; the events list shows each outcome with Bloomreach's answer, filtered, paged and redacted", async () => {
  const worker = await startConsole();
  try {
    let answer = await send(worker, WEB_KEY, WEB_EVENTS);
    assert.equal(answer.status, 200, answer.text);
    // The whole batch again: the ledger spares w-1 and w-2; w-3 is refused again; w-4 and w-5 as before.
    answer = await send(worker, WEB_KEY, WEB_EVENTS);
    assert.equal(answer.status, 200, answer.text);
    // The first app request meets a 503; the retry delivers.
    worker.standIn.setFaults({ script: ["503"] });
    answer = await send(worker, APP_KEY, APP_EVENTS);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.retried, 4);

    const overview = await waitFor(async () => {
      const got = await worker.dispatch("/admin/overview", admin());
      assert.equal(got.status, 200, got.text);
      return got.json.total.lastHour.received === 14 ? got : null;
    }, { what: "the inspector's counters", timeoutMs: 10_000 });
    assert.equal(overview.headers.get("cache-control"), "no-store");

    // What the stand-in saw: every event it stored once, by source (messageIds w-… and a-…).
    const stored = worker.standIn.received.stored.map((c) => c.command_id);
    const delivered = (prefix) => new Set(stored.filter((id) => id.startsWith(prefix)).map((id) => id.split(":")[0])).size;
    assert.deepEqual([delivered("w-"), delivered("a-")], [2, 4]);
    const requests = worker.standIn.received.requests.filter((r) => r.path.endsWith("/batch"));
    // Two web requests (the second without w-1 and w-2), the app's 503 and its retry.
    assert.deepEqual(requests.map((r) => [r.status, r.commands]), [[200, 3], [200, 1], [503, 4], [200, 4]]);

    const web = overview.json.sources.find((s) => s.name === "web");
    const app = overview.json.sources.find((s) => s.name === "app");
    assert.deepEqual(counts(web.lastHour), {
      received: 10, delivered: delivered("w-"), rejected: { bloomreach_rejected: 2, missing_event_name: 2 },
      skipped: { consent_denied: 2 }, retried: 0, pending: 0, deadLettered: 0, duplicates: 2, refused: {},
    });
    assert.deepEqual(counts(app.lastHour), {
      received: 4, delivered: delivered("a-"), rejected: {}, skipped: {}, retried: 4, pending: 0, deadLettered: 0, duplicates: 0, refused: {},
    });
    assert.deepEqual(counts(overview.json.total.lastHour), {
      received: 14, delivered: 6, rejected: { bloomreach_rejected: 2, missing_event_name: 2 },
      skipped: { consent_denied: 2 }, retried: 4, pending: 0, deadLettered: 0, duplicates: 2, refused: {},
    });
    assert.deepEqual(counts(overview.json.total.lastDay), counts(overview.json.total.lastHour));
    // Series: 60 minutes and 24 hours, summing to the totals; latency from the delivered events.
    const { lastHour, lastDay } = overview.json.total;
    assert.deepEqual([lastHour.series.length, lastDay.series.length], [60, 24]);
    for (const window of [lastHour, lastDay]) {
      const sum = (key) => window.series.reduce((n, b) => n + b[key], 0);
      assert.deepEqual([sum("received"), sum("delivered"), sum("rejected"), sum("skipped"), sum("duplicates")], [14, 6, 4, 2, 2]);
    }
    assert.ok(lastHour.latencyMs.p50 > 0 && lastHour.latencyMs.p95 >= lastHour.latencyMs.p50, JSON.stringify(lastHour.latencyMs));
    assert.equal(overview.json.inspector, "on");
    assert.deepEqual(
      { ...web, lastHour: undefined, lastDay: undefined, cacheAgeSeconds: typeof web.cacheAgeSeconds },
      {
        name: "web", configVersion: 1, cacheAgeSeconds: "number", lastHour: undefined, lastDay: undefined,
        bindings: { ledger: true, queue: false, inspector: true, metrics: false, rateLimit: false },
        inspector: { enabled: true, keep: 200, hours: 24, redact: ["traits.email", "context.ip"] },
      },
    );

    // The rejected event: its code, the command as sent and Bloomreach's answer.
    const rejected = await worker.dispatch("/admin/sources/web/events?outcome=rejected&code=bloomreach_rejected", admin());
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.headers.get("cache-control"), "no-store");
    assert.equal(rejected.json.events.length, 2);
    assert.equal(rejected.json.next, null);
    const [newest, oldest] = rejected.json.events;
    assert.ok(Number(newest.id) > Number(oldest.id), "newest first");
    // The command as the npm package (the same core) makes it with the source's settings.
    const settings = { apiBaseUrl: "http://127.0.0.1:8788/", projectToken: "local-project", apiKey: API_KEY, exponeaHardId: "registered", exponeaSoftId: "cookie", requiredConsentCategories: ["Analytics"] };
    const [sentBig] = JSON.parse(npmPackage().buildRequests([WEB_EVENTS[2]], settings).requests[0].body).commands;
    assert.equal(sentBig.name, "customers");
    assert.deepEqual(stable(newest), {
      source: "web", configVersion: 1, messageId: "w-3", type: "identify", event: null, userId: "u-2", anonymousId: null,
      outcome: "rejected", code: "bloomreach_rejected", detail: newest.detail,
      payload: WEB_EVENTS[2],
      commands: [{
        name: "customers", commandId: "w-3", origin: null, data: sentBig, status: "rejected",
        answer: { success: false, errors: newest.commands[0].answer.errors, command_id: "w-3" },
      }],
    });
    assert.match(newest.detail, /16 KB/);
    assert.deepEqual(newest.commands[0].answer.errors, ['Property "blob" value must be under 16 KB']);
    assert.ok(newest.commands[0].answer.errors.length > 0);

    // Every outcome and code of the web source, newest first.
    const all = await worker.dispatch("/admin/sources/web/events", admin());
    assert.deepEqual(all.json.events.map((e) => [e.messageId, e.outcome, e.code]), [
      ["w-5", "rejected", "missing_event_name"], ["w-4", "skipped", "consent_denied"], ["w-3", "rejected", "bloomreach_rejected"],
      ["w-2", "duplicate", null], ["w-1", "duplicate", null],
      ["w-5", "rejected", "missing_event_name"], ["w-4", "skipped", "consent_denied"], ["w-3", "rejected", "bloomreach_rejected"],
      ["w-2", "delivered", null], ["w-1", "delivered", null],
    ]);
    const duplicate = all.json.events[3];
    assert.deepEqual(duplicate.commands.map((c) => [c.commandId, c.status, c.answer]), [["w-2", "duplicate", null]]);
    const deliveredOrder = all.json.events[8];
    assert.deepEqual(deliveredOrder.commands.map((c) => [c.commandId, c.status, c.answer.success]), [["w-2", "accepted", true]]);

    // Redaction: the identify's email and IP, and the email copied into its command, never stored.
    assert.ok(!all.text.includes(EMAIL) && !all.text.includes(IP), "redacted values are not stored");
    const identify = all.json.events[9];
    assert.deepEqual(identify.payload, { ...WEB_EVENTS[0], traits: { email: "[redacted]", plan: "pro" }, context: { ip: "[redacted]" } });
    assert.deepEqual(identify.commands[0].data.data.properties, { email: "[redacted]", plan: "pro" });

    // Filters: event name, user (userId or anonymousId), outcome; a page and the next.
    const ids = async (query, source = "web") => {
      const got = await worker.dispatch(`/admin/sources/${source}/events?${query}`, admin());
      assert.equal(got.status, 200, got.text);
      return [got.json.events.map((e) => `${e.messageId}/${e.outcome}`), got.json.next];
    };
    assert.deepEqual(await ids("event=Order%20Completed"), [["w-2/duplicate", "w-2/delivered"], null]);
    assert.deepEqual(await ids("user=u-1&outcome=delivered"), [["w-2/delivered", "w-1/delivered"], null]);
    assert.deepEqual(await ids("outcome=skipped"), [["w-4/skipped", "w-4/skipped"], null]);
    const [firstPage, next] = await ids("limit=3");
    assert.deepEqual(firstPage, ["w-5/rejected", "w-4/skipped", "w-3/rejected"]);
    assert.match(next, /^\d+$/);
    assert.deepEqual(await ids(`limit=3&before=${next}`), [["w-2/duplicate", "w-1/duplicate", "w-5/rejected"], all.json.events[5].id]);
    assert.deepEqual(await ids("user=anon-3", "app"), [["a-4/delivered"], null]);

    // The app's ring keeps 3 of its 4 events; the first request's 503 is in each command's history.
    assert.deepEqual(await ids("", "app"), [["a-4/delivered", "a-3/delivered", "a-2/delivered"], null]);

    // Refusals: an unknown source, a bad query.
    const unknown = await worker.dispatch("/admin/sources/nope/events", admin());
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, "source_not_found");
    const bad = await worker.dispatch("/admin/sources/web/events?outcome=lost", admin());
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "invalid_admin_request");
  } finally {
    await worker.dispose();
  }
});

test("a WebSocket receives each new event within 2 s", async () => {
  const worker = await startConsole({ listen: true });
  let socket;
  try {
    const url = `${worker.url.replace(/^http/, "ws")}/admin/sources/web/live`;
    socket = new WebSocket(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
      socket.once("unexpected-response", (_, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    const received = new Promise((resolve) => socket.on("message", (data) => resolve(JSON.parse(String(data)))));
    const sent = Date.now();
    const answer = await send(worker, WEB_KEY, [WEB_EVENTS[1]]);
    assert.equal(answer.status, 200, answer.text);
    const message = await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error("no event within 2 s")), 2_000))]);
    assert.ok(Date.now() - sent < 2_000);
    assert.equal(message.type, "event");
    assert.deepEqual([message.event.messageId, message.event.outcome, message.event.source], ["w-2", "delivered", "web"]);
    assert.match(message.event.id, /^\d+$/);
    // Refused without the token (the upgrade never happens).
    const refused = new WebSocket(url);
    const status = await new Promise((resolve) => {
      refused.once("unexpected-response", (_, response) => resolve(response.statusCode));
      refused.once("open", () => resolve(101));
      refused.once("error", () => resolve(0));
    });
    assert.equal(status, 401);
  } finally {
    socket?.terminate();
    await worker.dispose();
  }
});

test("try maps events with the live source and an edited configuration, sends nothing, and redacts Authorization", async () => {
  const worker = await startConsole();
  try {
    const edited = configuration();
    edited.sources[1].settings = { mappings: [{ name: "opened", subscribe: 'type = "track" and event = "Opened"', eventType: "app_open" }] };
    const tried = await worker.dispatch("/admin/sources/app/try", admin("POST", { events: [APP_EVENTS[0]], config: edited }));
    assert.equal(tried.status, 200, tried.text);
    const command = (request) => JSON.parse(request.body).commands;
    assert.equal(tried.json.live.version, 1);
    assert.deepEqual(tried.json.live.requests[0].headers, { Authorization: "[redacted]", "Content-Type": "application/json" });
    assert.deepEqual(command(tried.json.live.requests[0]).map((c) => [c.command_id, c.data.event_type]), [["a-1", "Opened"]]);
    assert.deepEqual(command(tried.json.edited.requests[0]).map((c) => [c.command_id, c.data.event_type]), [["a-1", "app_open"]]);
    assert.deepEqual(tried.json.edited.requests[0].origins, ["opened"]);
    assert.deepEqual([tried.json.edited.problems, tried.json.live.rejected, tried.json.edited.skipped], [[], [], []]);
    assert.ok(!tried.text.includes("local-api-key"), "no credential in the answer");
    assert.equal(worker.standIn.received.requests.length, 0, "nothing sent");

    // An edited configuration with a problem: no requests, the problem at its path.
    edited.sources[1].settings.mappings[0].subscribe = "type = ";
    const broken = await worker.dispatch("/admin/sources/app/try", admin("POST", { events: [APP_EVENTS[0]], config: edited }));
    assert.equal(broken.status, 200, broken.text);
    assert.deepEqual(broken.json.edited.requests, []);
    assert.deepEqual(broken.json.edited.problems.map((p) => p.field), ["sources[1].settings.mappings[0].subscribe"]);
    // Without `config`, only the live requests; a mapping rejection is listed.
    const live = await worker.dispatch("/admin/sources/web/try", admin("POST", { events: [WEB_EVENTS[4]] }));
    assert.equal(live.status, 200, live.text);
    assert.deepEqual(Object.keys(live.json), ["live"]);
    assert.deepEqual(live.json.live.rejected.map((r) => r.code), ["missing_event_name"]);
  } finally {
    await worker.dispose();
  }
});

test("every inspector route refuses without the admin token and hides without ADMIN_TOKEN; without the binding the overview says so", async () => {
  const routes = [["GET", "/admin/overview"], ["GET", "/admin/sources/web/events"], ["GET", "/admin/sources/web/live"], ["POST", "/admin/sources/web/try"]];
  const worker = await startConsole();
  try {
    for (const [method, path] of routes) {
      const refused = await worker.dispatch(path, { method, headers: { "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
      assert.equal(refused.status, 401, `${method} ${path}`);
      const wrong = await worker.dispatch(path, { method, headers: { authorization: "Bearer wrong-token-0123456789abcdef" }, ...(method === "POST" ? { body: "{}" } : {}) });
      assert.equal(wrong.status, 401, `${method} ${path}`);
      assert.ok(!refused.text.includes("w-") && !wrong.text.includes("w-"));
    }
  } finally {
    await worker.dispose();
  }
  const hidden = await startWorker({ inspector: true, bindings: { ADMIN_TOKEN: undefined } });
  try {
    for (const [method, path] of routes) {
      const answer = await hidden.dispatch(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(method === "POST" ? { body: "{}" } : {}) });
      assert.equal(answer.status, 404, `${method} ${path}`);
    }
  } finally {
    await hidden.dispose();
  }
  // Without EVENT_INSPECTOR: delivery as before, the overview says the inspector is off, the events route is unavailable.
  const off = await startWorker();
  try {
    const answer = await off.dispatch("/v1/batch", postJson({ batch: [WEB_EVENTS[1]] }));
    assert.equal(answer.status, 200, answer.text);
    const overview = await off.dispatch("/admin/overview", admin());
    assert.equal(overview.status, 200, overview.text);
    assert.equal(overview.json.inspector, "off (no EVENT_INSPECTOR binding)");
    assert.deepEqual(overview.json.sources.map((s) => [s.name, s.configVersion, s.bindings.inspector, s.lastHour.received]), [["default", null, false, 0]]);
    const events = await off.dispatch("/admin/sources/default/events", admin());
    assert.equal(events.status, 503);
    assert.equal(events.json.error.code, "inspector_unavailable");
  } finally {
    await off.dispose();
  }
});

test("queue mode: queued at ingest, the consumer's outcome after, counted once", async () => {
  const worker = await startWorker({ inspector: true, queue: true });
  try {
    const events = [WEB_EVENTS[1], { ...WEB_EVENTS[4], messageId: "q-5" }];
    const answer = await worker.dispatch("/v1/batch", postJson({ batch: events }));
    assert.equal(answer.status, 202, answer.text);
    const overview = await waitFor(async () => {
      const got = await worker.dispatch("/admin/overview", admin());
      return got.json.total.lastHour.delivered === 1 ? got : null;
    }, { what: "the consumer's outcome", timeoutMs: 15_000 });
    assert.deepEqual(counts(overview.json.sources[0].lastHour), {
      received: 2, delivered: 1, rejected: { missing_event_name: 1 }, skipped: {}, retried: 0, pending: 0, deadLettered: 0, duplicates: 0, refused: {},
    });
    assert.deepEqual(overview.json.sources[0].bindings, { ledger: true, queue: true, inspector: true, metrics: false, rateLimit: false });
    const listed = await worker.dispatch("/admin/sources/default/events", admin());
    assert.deepEqual(
      listed.json.events.map((e) => [e.messageId, e.outcome, e.code, e.payload === null, e.commands.map((c) => c.status)]),
      [["w-2", "delivered", null, true, ["accepted"]], ["q-5", "rejected", "missing_event_name", false, []], ["w-2", "queued", null, false, ["queued"]]],
    );
  } finally {
    await worker.dispose();
  }
});

test("queue mode: an event Bloomreach keeps failing is pending at each try, then dead-lettered when parked", async () => {
  const worker = await startWorker({ inspector: true, queue: true, consumer: { maxRetries: 1 }, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const answer = await worker.dispatch("/v1/batch", postJson({ batch: [WEB_EVENTS[1]] }));
    assert.equal(answer.status, 202, answer.text);
    const overview = await waitFor(async () => {
      const got = await worker.dispatch("/admin/overview", admin());
      return got.json.total.lastHour.deadLettered === 1 ? got : null;
    }, { what: "the dead letter counted", timeoutMs: 60_000, intervalMs: 250 });
    assert.equal((await worker.deadLetters()).length, 1);
    assert.deepEqual(counts(overview.json.total.lastHour), {
      received: 1, delivered: 0, rejected: {}, skipped: {}, retried: 0, pending: 2, deadLettered: 1, duplicates: 0, refused: {},
    });
    const listed = await worker.dispatch("/admin/sources/default/events", admin());
    assert.deepEqual(
      listed.json.events.map((e) => [e.messageId, e.outcome, e.code, e.commands.map((c) => [c.status, c.answer?.status ?? null])]),
      [
        ["w-2", "dead_lettered", null, [["pending", null]]],
        ["w-2", "pending", "delivery_pending", [["pending", 500]]],
        ["w-2", "pending", "delivery_pending", [["pending", 500]]],
        ["w-2", "queued", null, [["queued", null]]],
      ],
    );
  } finally {
    await worker.dispose();
  }
});

test("a source switched off keeps counters but no events; queue mode leaves commands out of the consumer's records when it cannot redact them", async () => {
  const worker = await startWorker({ inspector: true, queue: true, bindings: { CONFIG_CACHE_SECONDS: "1" } });
  try {
    const config = configuration();
    config.sources[1].inspector = { enabled: false };
    const published = await worker.dispatch("/admin/config", admin("POST", { config, baseVersion: 0 }));
    assert.equal(published.status, 201, published.text);
    assert.equal((await send(worker, WEB_KEY, [WEB_EVENTS[0]])).status, 202);
    assert.equal((await send(worker, APP_KEY, [APP_EVENTS[0]])).status, 202);
    const overview = await waitFor(async () => {
      const got = await worker.dispatch("/admin/overview", admin());
      return got.json.total.lastHour.delivered === 2 ? got : null;
    }, { what: "both delivered", timeoutMs: 15_000 });
    assert.deepEqual(overview.json.sources.map((s) => [s.name, s.lastHour.received, s.lastHour.delivered, s.inspector.enabled]), [["web", 1, 1, true], ["app", 1, 1, false]]);
    const app = await worker.dispatch("/admin/sources/app/events", admin());
    assert.deepEqual(app.json, { events: [], next: null });
    const web = await worker.dispatch("/admin/sources/web/events", admin());
    assert.ok(!web.text.includes(EMAIL) && !web.text.includes(IP), "redacted");
    assert.deepEqual(web.json.events.map((e) => [e.outcome, e.payload?.traits?.email ?? null, e.commands.map((c) => [c.status, c.data === null])]), [
      ["delivered", null, [["accepted", true]]],
      ["queued", "[redacted]", [["queued", false]]],
    ]);
  } finally {
    await worker.dispose();
  }
});

test("a record is deleted at its expiry by the source object's alarm, with nothing more sent to the source", async () => {
  // The Worker's clock moved forward and the object's alarm rung early (`patched-build.mjs`): a
  // record kept `hours` (24, the default) cannot otherwise expire within a test.
  const worker = await startPatchedWorker({ inspector: true, ledger: false });
  const HOUR = 3_600_000;
  try {
    // The record's write sets the object's alarm for its expiry, 24 hours on: here it rings 4 s on.
    const answer = await worker.dispatch("/v1/track", postJson(WEB_EVENTS[1], { "x-test-alarm-in": "4000" }));
    assert.equal(answer.status, 200, answer.text);
    const ids = async () => (await worker.dispatch("/admin/sources/default/events", admin())).json.events.map((e) => e.messageId);
    await waitFor(async () => (await ids()).length === 1, { what: "the record", timeoutMs: 10_000 });
    // 25 hours later, for the Worker and its objects, and no request to the source's object
    // until its alarm has rung.
    const later = { headers: { "x-test-clock-shift": String(25 * HOUR) } };
    assert.equal((await worker.dispatch("/health", later)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    // Back to now: the record would not have expired yet, so a read that does not return it
    // shows the alarm deleted it (a read deletes only what has expired by its own clock).
    assert.equal((await worker.dispatch("/health", { headers: { "x-test-clock-shift": "0" } })).status, 200);
    assert.deepEqual(await ids(), []);
    // And the source goes on being recorded.
    await worker.dispatch("/v1/track", postJson(WEB_EVENTS[0]));
    await waitFor(async () => (await ids()).length === 1, { what: "a new record", timeoutMs: 10_000 });
    assert.deepEqual(await ids(), ["w-1"]);
  } finally {
    await worker.dispose();
  }
});
