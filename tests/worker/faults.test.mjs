// Upstream faults (5xx, 429, connection reset, slow past the timeout, per-command failures, garbage) in direct and queue mode: every event ends delivered or reported rejected, none lost, none twice; what exhausts its queue retries is parked and replayed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ADMIN_TOKEN, BASE_BINDINGS, catalogSettings, npmPackage, postJson, startWorker, storedCommands, waitFor } from "./support.mjs";

const { mapEvent } = npmPackage();
const SETTINGS = catalogSettings();
const FAULTS = ["500", "429", "reset", "slow", "partial", "garbage", "503"];

function events(count, prefix) {
  const types = ["track", "identify", "page", "screen", "group", "alias"];
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length];
    const base = { type, messageId: `${prefix}-${i}`, userId: `u-${i}`, anonymousId: `a-${i}`, timestamp: "2024-05-01T10:00:00.000Z" };
    if (type === "track") return { ...base, event: "Fault Test", properties: { i } };
    if (type === "group") return { ...base, groupId: `g-${i}` };
    if (type === "alias") return { type, messageId: base.messageId, userId: base.userId, previousId: base.anonymousId };
    return { ...base, name: `N ${i}` };
  });
}

/** The command_ids the stand-in saved more than once. */
function savedTwice(standIn) {
  return [...storedCommands(standIn)].filter(([, copies]) => copies.length > 1).map(([id]) => id);
}

/** Events that did not end delivered (all commands stored) or in `rejectedIds` (by messageId). */
function lostEvents(batch, standIn, rejectedIds) {
  const stored = storedCommands(standIn);
  return batch.filter((event) => {
    if (rejectedIds.has(event.messageId)) return false;
    return !mapEvent(event, SETTINGS).every((command) => stored.has(command.command_id));
  });
}

test("direct mode: with faults upstream, retrying on 503 ends with every event delivered or reported rejected", async () => {
  const worker = await startWorker();
  try {
    worker.standIn.setFaults({ script: [...FAULTS, "500", "500", "reset", "500", "500", "500"], slowMs: 3_000, retryAfter: 1 });
    const batch = events(120, "direct");
    const rejectedIds = new Set();
    const answers = [];
    // The sender's side (Segment, analytics-node): the same request again after a 503.
    for (let attempt = 1; attempt <= 10; attempt++) {
      const linesBefore = worker.logLines("delivery").length;
      const { status, json, headers } = await worker.dispatch("/v1/batch", postJson({ batch }));
      answers.push({ status, retryAfter: headers.get("retry-after") });
      // Within one request the Worker tries a bounded number of rounds (its 4 s budget: see
      // the retry policy's unit tests), never waiting on an answer past its 2.5 s timeout; a
      // retry whose events are all delivered or held by the ledger sends nothing.
      const lines = worker.logLines("delivery").slice(linesBefore).filter((l) => !l.late);
      const rounds = new Set(lines.map((l) => l.attempt));
      assert.ok(rounds.size <= 8, `rounds ${[...rounds]}`);
      assert.equal(json.received, 120);
      for (const issue of json.rejected) {
        assert.equal(issue.code, "bloomreach_rejected");
        assert.match(issue.message, /injected failure/);
        rejectedIds.add(issue.messageId);
      }
      if (status === 200) {
        assert.equal(json.pending, undefined);
        assert.equal(json.delivered + json.rejected.length, 120);
        break;
      }
      assert.equal(status, 503);
      assert.equal(json.error.code, "delivery_incomplete");
      assert.ok(json.pending.length > 0 && json.pending.every((p) => p.code === "delivery_pending"));
      assert.equal(json.delivered + json.rejected.length + json.pending.length, 120);
      assert.match(headers.get("retry-after"), /^\d+$/);
    }
    assert.equal(answers.at(-1).status, 200, JSON.stringify(answers));
    assert.ok(answers.some((a) => a.status === 503), "the faults forced at least one 503");
    assert.deepEqual(lostEvents(batch, worker.standIn, rejectedIds).map((e) => e.messageId), []);
    assert.ok(rejectedIds.size > 0, "the partial fault rejected some commands");
    // The slow answer (saved at once, answered after 3 s) is not sent again: the ledger holds
    // it until the late answer, awaited in the background, records it.
    assert.deepEqual(savedTwice(worker.standIn), [], "no command saved twice");

    const statuses = worker.logLines("delivery").map((l) => l.status);
    for (const expected of [500, 429, 503, 0]) assert.ok(statuses.includes(expected), `saw upstream ${expected}: ${statuses}`);
    const timedOut = worker.logLines("delivery").filter((l) => /^no answer within 2500 ms; awaiting it in the background/.test(l.error ?? ""));
    assert.ok(timedOut.length > 0 && timedOut.every((l) => l.inDoubt === l.commands), "the slow answer timed out, its commands in doubt");
    const late = worker.logLines("delivery").filter((l) => l.late);
    assert.ok(late.some((l) => l.status === 200 && l.delivered > 0 && l.ledgerWritten > 0), `the late answer was recorded: ${JSON.stringify(late)}`);
    assert.ok(worker.logLines("request").some((l) => l.ledger?.hits > 0), "a retry found delivered events in the ledger");
    assert.ok(worker.logLines("delivery").every((l) => l.commands <= 50));
  } finally {
    await worker.dispose();
  }
});

test("direct mode: Bloomreach refusing the Worker's credentials keeps the events for a retry (503), never drops them", async () => {
  const worker = await startWorker({ bindings: { BLOOMREACH_API_KEY: "wrong-api-key" } });
  try {
    const batch = events(3, "creds");
    const { status, json, text, headers } = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(status, 503);
    assert.equal(headers.get("retry-after"), "2");
    assert.equal(json.delivered, 0);
    assert.deepEqual(json.rejected, []);
    assert.deepEqual(json.pending.map((p) => p.messageId), ["creds-0", "creds-1", "creds-2"]);
    assert.match(json.pending[0].message, /HTTP 401 from Bloomreach: it refused the Worker's credentials; check BLOOMREACH_API_KEY/);
    assert.ok(!text.includes("wrong-api-key"), "the key never appears in the answer");
    assert.ok(!worker.logs.some((l) => l.text.includes("wrong-api-key")), "nor in the log");
    assert.ok(worker.logLines("delivery").every((l) => l.status === 401));
  } finally {
    await worker.dispose();
  }
});

test("queue mode: 202 at once; under faults the consumer retries until every event is delivered or rejected", async () => {
  // Retries wait at most 1 s (production: up to 5 min), so the test takes seconds, not minutes.
  const worker = await startWorker({ queue: true, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    worker.standIn.setFaults({ script: FAULTS, slowMs: 6_000, retryAfter: 1 });
    const batch = events(150, "queued");
    const bad = { type: "track", messageId: "queued-bad", userId: "u" };
    const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch: [...batch, bad] }));
    assert.equal(status, 202);
    assert.deepEqual(json, {
      received: 151,
      queued: 150,
      rejected: [{ index: 150, messageId: "queued-bad", code: "missing_event_name", message: 'event 150 (messageId "queued-bad"): a track call needs an `event` name' }],
      skipped: [],
    });
    assert.equal(worker.logLines("request")[0].mode, "queue");

    const rejectedIds = () => new Set(worker.logLines("rejected").map((l) => l.messageId));
    await waitFor(() => lostEvents(batch, worker.standIn, rejectedIds()).length === 0, { timeoutMs: 90_000, intervalMs: 250, what: "every queued event to settle" });
    assert.ok(rejectedIds().size > 0, "the partial fault rejected some commands");
    for (const line of worker.logLines("rejected")) assert.equal(line.message, "Bloomreach rejected the command: injected failure");
    assert.equal(worker.standIn.faults.script.length, 0, "every scripted fault was hit");
    const batches = worker.logLines("queue_batch");
    assert.ok(batches.some((b) => b.retried > 0), "some messages went back to the queue");
    assert.ok(worker.logLines("delivery").every((l) => l.mode === "queue" && l.commands <= 50));
    assert.deepEqual(savedTwice(worker.standIn), [], "no command saved twice");
    assert.deepEqual(await worker.deadLetters(), []);
  } finally {
    await worker.dispose();
  }
});

test("queue mode: an order over one queue message is split over several, each command delivered once; a command too large alone is rejected alone; the rest of the request unaffected", async () => {
  // Five copies of a 30 KB property in one command: over a message (128 KB) from a 32 KB event.
  const copies = Object.fromEntries(["a", "b", "c", "d", "e"].map((k) => [k, { "@path": "$.properties.text" }]));
  const bindings = { ECOMMERCE_EVENTS: "true", QUEUE_RETRY_MAX_DELAY_SECONDS: "1", BLOOMREACH_MAPPINGS: [{ name: "copies", subscribe: 'event = "Big"', eventType: "big", properties: copies }] };
  const worker = await startWorker({ queue: true, bindings });
  try {
    const settings = catalogSettings({ ...BASE_BINDINGS, ...bindings });
    // 1,000 products of about 20 bytes: a 24 KB event whose purchase_item commands take ~250 KB.
    const products = Array.from({ length: 1000 }, (_, i) => ({ product_id: `p-${i}` }));
    const order = { type: "track", event: "Order Completed", messageId: "big-order", userId: "u-1", timestamp: "2024-05-01T10:00:00.000Z", properties: { order_id: "o-1", total: 10, currency: "EUR", products } };
    const big = { type: "track", event: "Big", messageId: "big-command", userId: "u-2", timestamp: "2024-05-01T10:00:01.000Z", properties: { text: "x".repeat(30_000) } };
    const before = events(2, "before");
    const after = events(2, "after");
    const batch = [...before, order, big, ...after];
    const expected = mapEvent(order, settings);
    assert.ok(JSON.stringify(order).length < 32_000 && JSON.stringify(expected).length > 200_000);
    assert.equal(mapEvent(big, settings).length, 1);
    const { status, json, headers } = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(status, 202, JSON.stringify(json));
    assert.equal(headers.get("retry-after"), null);
    assert.deepEqual(json, {
      received: 6,
      queued: 5,
      rejected: [{
        index: 3,
        messageId: "big-command",
        code: "command_too_large",
        message: 'event 3 (messageId "big-command"): its command "big-command" takes about 150399 bytes, over the 120000 one queue message carries',
      }],
      skipped: [],
    });
    const good = [...before, order, ...after];
    await waitFor(() => lostEvents(good, worker.standIn, new Set()).length === 0, { timeoutMs: 60_000, intervalMs: 250, what: "every queued event delivered" });
    const stored = storedCommands(worker.standIn);
    // Every command of the order exactly once, as mapped, and nothing of the refused event.
    assert.deepEqual(expected.map((c) => stored.get(c.command_id)), expected.map((c) => [{ name: c.name, command_id: c.command_id, data: c.data }]));
    assert.deepEqual(savedTwice(worker.standIn), []);
    assert.equal(stored.size, good.flatMap((e) => mapEvent(e, settings)).length);
    // The order went as four messages (1,001 commands, ~400 KB as message JSON, at most 120,000
    // bytes a message; Miniflare refuses a message over 128,000), each acked on its own.
    const batches = worker.logLines("queue_batch");
    assert.equal(batches.reduce((n, b) => n + b.messages, 0), 4 + 4);
    assert.equal(batches.reduce((n, b) => n + b.delivered, 0), 4 + 4);
    assert.deepEqual(worker.logLines("request").map((l) => [l.events, l.queued, l.rejected]), [[6, 5, 1]]);
    assert.deepEqual(await worker.deadLetters(), []);
  } finally {
    await worker.dispose();
  }
});

test("queue mode: what exhausts its retries is parked with its last error, listed, and replayed once through the ledger", async () => {
  const worker = await startWorker({ queue: true, listen: true, consumer: { maxRetries: 2 }, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const batch = events(3, "doomed").slice(0, 2);
    // The sender sends the batch twice (a retry after a lost 202): two messages per event.
    for (let copy = 0; copy < 2; copy++) assert.equal((await worker.dispatch("/v1/batch", postJson({ batch }))).status, 202);
    const letters = await waitFor(async () => {
      const parked = await worker.deadLetters();
      return parked.length === 4 && parked;
    }, { timeoutMs: 60_000, intervalMs: 250, what: "the dead letters" });
    for (const letter of letters) {
      const i = letter.event.index;
      assert.equal(letter.messageId, `doomed-${i}`);
      assert.equal(letter.lastError, `HTTP 500 from Bloomreach: {"success":false,"errors":["Internal server error (injected)"]}`);
      assert.equal(letter.replays, 0);
      assert.ok(letter.id.length > 0 && Number.isInteger(letter.parkedAt));
      assert.deepEqual(letter.event.commands.map((c) => JSON.parse(c.json)), mapEvent(batch[i], SETTINGS));
    }
    assert.equal(worker.standIn.received.stored.length, 0);
    assert.ok(worker.logLines("dead_letters").every((l) => l.error === undefined));
    // The operator's CLI lists the same, through the admin route.
    const cli = await promisify(execFile)(process.execPath, ["dev/dead-letters.mjs", "list"], {
      env: { ...process.env, WORKER_URL: worker.url, ADMIN_TOKEN },
    });
    assert.match(cli.stdout, /^4 parked\n/);
    for (const letter of letters) assert.ok(cli.stdout.includes(`${letter.id}  parked`), cli.stdout);
    assert.match(cli.stdout, /last error: HTTP 500 from Bloomreach/);

    const admin = (path, body) => worker.dispatch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // Bloomreach still failing: a replay keeps them all, with the new error.
    let replay = await admin("/admin/dead-letters/replay", { all: true });
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.json.replayed, 4);
    assert.equal(replay.json.failed.length, 4);
    assert.ok((await worker.deadLetters()).every((l) => l.replays === 1 && /HTTP 500/.test(l.lastError)));

    // Bloomreach back. One copy of event 0 by its ID: delivered.
    worker.standIn.setFaults({});
    const [first, second] = letters.filter((l) => l.event.index === 0);
    replay = await admin("/admin/dead-letters/replay", { ids: [first.id, "no-such-letter"] });
    assert.equal(replay.status, 200, replay.text);
    assert.deepEqual(replay.json, { replayed: 1, delivered: [first.id], alreadyDelivered: [], rejected: [], failed: [], notFound: ["no-such-letter"] });
    // The rest: event 0's other copy is already delivered (the ledger says so: not sent again);
    // event 1's two copies are sent once.
    replay = await admin("/admin/dead-letters/replay", { all: true });
    assert.deepEqual(replay.json.alreadyDelivered, [second.id]);
    assert.deepEqual(replay.json.delivered.sort(), letters.filter((l) => l.event.index === 1).map((l) => l.id).sort());
    assert.deepEqual(await worker.deadLetters(), []);
    assert.deepEqual(lostEvents(batch, worker.standIn, new Set()).map((e) => e.messageId), []);
    assert.deepEqual(savedTwice(worker.standIn), [], "a replay never duplicates");
    assert.ok(worker.logLines("delivery").some((l) => l.mode === "replay"));
  } finally {
    await worker.dispose();
  }
});

test("admin routes: 404 without ADMIN_TOKEN, 401 without the right bearer token, checked queries and bodies", async () => {
  const hidden = await startWorker({ bindings: { ADMIN_TOKEN: undefined } });
  try {
    for (const [path, method] of [["/admin/dead-letters", "GET"], ["/admin/dead-letters/replay", "POST"], ["/admin/dead-letters/discard", "DELETE"]]) {
      const { status, json } = await hidden.dispatch(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(status, 404, path);
      assert.equal(json.error.code, "not_found");
    }
  } finally {
    await hidden.dispose();
  }
  const worker = await startWorker();
  try {
    const call = (path, init = {}) => worker.dispatch(path, init);
    const bearer = (token) => ({ authorization: `Bearer ${token}` });
    let r = await call("/admin/dead-letters");
    assert.deepEqual([r.status, r.json.error.code], [401, "missing_credentials"]);
    r = await call("/admin/dead-letters", { headers: bearer("wrong") });
    assert.deepEqual([r.status, r.json.error.code], [401, "invalid_credentials"]);
    r = await call("/admin/dead-letters", { headers: { authorization: `Basic ${Buffer.from(`${ADMIN_TOKEN}:`).toString("base64")}` } });
    assert.deepEqual([r.status, r.json.error.code], [401, "missing_credentials"]);
    assert.ok(!worker.logs.some((l) => l.text.includes(ADMIN_TOKEN)), "the token is never logged");
    r = await call("/admin/dead-letters?limit=0", { headers: bearer(ADMIN_TOKEN) });
    assert.deepEqual([r.status, r.json.error.code], [400, "invalid_admin_request"]);
    r = await call("/admin/dead-letters/replay", { method: "POST", headers: bearer(ADMIN_TOKEN), body: "{\"every\":true}" });
    assert.deepEqual([r.status, r.json.error.code], [400, "invalid_admin_request"]);
    r = await call("/admin/dead-letters/replay", { headers: bearer(ADMIN_TOKEN) });
    assert.deepEqual([r.status, r.json.error.code, r.headers.get("allow")], [405, "method_not_allowed", "POST"]);
    r = await call("/admin/dead-letters?limit=5", { headers: bearer(ADMIN_TOKEN) });
    assert.deepEqual([r.status, r.json], [200, { total: 0, letters: [] }]);
    r = await call("/admin/dead-letters/discard", { method: "POST", headers: bearer(ADMIN_TOKEN), body: JSON.stringify({ ids: ["x"] }) });
    assert.deepEqual([r.status, r.json], [200, { discarded: 0, ids: [], notFound: ["x"] }]);
    assert.equal(worker.logLines("request").at(-1).auth, "admin_token");
  } finally {
    await worker.dispose();
  }
  const unbound = await startWorker({ ledger: false });
  try {
    const r = await unbound.dispatch("/admin/dead-letters", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.deepEqual([r.status, r.json.error.code, r.headers.get("retry-after")], [503, "ledger_unavailable", "30"]);
  } finally {
    await unbound.dispose();
  }
});
