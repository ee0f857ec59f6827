// Fault-injection soak: N events through /v1/batch while the Bloomreach stand-in fails 30 % of its requests at random
// (500, 503, 429 + Retry-After, slow past the Worker's upstream timeout, connection reset, a 200 with per-command
// failures, an HTML 200), in direct mode (a sender that retries like @segment/analytics-node) and in queue mode
// (Miniflare's queue); in both the sender also sends some batches a second time, as a client whose answer was lost. Counted at the stand-in: every event delivered or reported rejected for good, none lost, none delivered
// twice (the delivery ledger: a retry skips what Bloomreach accepted, and a slow answer's commands are held, not sent
// again, until the late answer says what Bloomreach saved).
//
// Short form (part of `node --test tests/worker`): 1,000 events per mode.
// Long form:  SOAK_EVENTS=10000 node --test --test-timeout=1800000 tests/worker/soak.test.mjs   (or: bash dev/soak)
// Knobs: SOAK_EVENTS (per mode), SOAK_SEED (events and faults), SOAK_FAULT_RATE (0.3), SOAK_MODES (direct,queue),
// SOAK_RESEND_RATE (0.1: the share of batches sent twice).

import { test } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { FAULT_KINDS, createStandIn, mulberry32 } from "../../dev/bloomreach-stand-in.mjs";
import { positiveInt } from "../env.mjs";
import { API_KEY, BASE_BINDINGS, PROJECT_TOKEN, WRITE_KEY, basicAuth, catalogSettings, npmPackage, startWorker, waitFor } from "./support.mjs";

const EVENTS = positiveInt("SOAK_EVENTS", 1_000);
const SEED = positiveInt("SOAK_SEED", 0x50a4);
const FAULT_RATE = Number(process.env.SOAK_FAULT_RATE ?? 0.3);
const MODES = (process.env.SOAK_MODES ?? "direct,queue").split(",").map((m) => m.trim());
const RESEND_RATE = Number(process.env.SOAK_RESEND_RATE ?? 0.1);

const BATCH_SIZE = 100; // events per request to the Worker (analytics-node: flushAt)
const IN_FLIGHT = 4; // requests to the Worker at once
const MAX_ATTEMPTS = 20; // per request; what the sender gives up on fails the test
const SENDER_TIMEOUT_MS = 10_000; // analytics-node's httpRequestTimeout
const RETRY_AFTER_CAP_MS = 5_000; // analytics-node caps Retry-After at 300 s; lower here to bound the test
const BACKOFF_MIN_MS = 500; // analytics-node: 500 ms × 2^n × (1..2)
const BACKOFF_CAP_MS = 4_000; // analytics-node: 60 s
// The slow fault saves the commands at once and answers after this: past the Worker's upstream timeout in each mode
// (direct 2.5 s, the queue consumer 15 s), within the time it awaits a late answer (20 s, 25 s).
const SLOW_MS = { direct: 3_000, queue: 16_000 };

// Page and screen send a session_ping too: events of two commands, which must not be split.
const BINDINGS = { FLATTEN_NESTED_OBJECTS: "true", TRACK_SESSION_PING: "true" };
const SETTINGS = catalogSettings({ ...BASE_BINDINGS, ...BINDINGS });
const { mapEvent } = npmPackage();

// ------------------------------------------------------------------ events

const TRACK_NAMES = ["Product Viewed", "Product Added", "Order Completed", "Checkout Started", "Signed Up", "Søk utført", "注文"];
const PAGES = ["Home", "Pricing", "Docs", "Blog", "Checkout"];
const SCREENS = ["Feed", "Settings", "Cart"];

/** A deterministic, realistic mix of all six call types, with ~2 % the core rejects and ~1 % opted out. */
export function generateEvents(count, prefix, seed) {
  const rng = mulberry32(seed);
  const pick = (list) => list[Math.floor(rng() * list.length)];
  const events = [];
  for (let i = 0; i < count; i++) {
    const user = Math.floor(rng() * 500);
    const ids = rng() < 0.7 ? { userId: `user-${user}`, anonymousId: `anon-${user}` } : rng() < 0.5 ? { userId: `user-${user}` } : { anonymousId: `anon-${user}` };
    const base = {
      messageId: `${prefix}-${i}`,
      ...ids,
      timestamp: new Date(Date.UTC(2024, 4, 1) + i * 1_000).toISOString(),
      context: {
        ip: `203.0.113.${user % 256}`,
        locale: pick(["en-US", "cs-CZ", "nb-NO"]),
        library: { name: "analytics-node", version: "3.1.0" },
        ...(rng() < 0.5 ? { device: { type: pick(["ios", "android"]), model: "X" } } : {}),
        ...(rng() < 0.3 ? { campaign: { name: "spring", source: "newsletter" } } : {}),
      },
    };
    const roll = rng();
    let event;
    if (roll < 0.45) {
      event = {
        type: "track", ...base, event: pick(TRACK_NAMES),
        properties: { i, price: Math.round(rng() * 10_000) / 100, currency: "EUR", tags: ["a", "b"], product: { sku: `sku-${i % 97}`, dims: { w: 3, h: 4 } }, ...(rng() < 0.02 ? { note: "x".repeat(4_000) } : {}) },
      };
    } else if (roll < 0.65) {
      event = { type: "page", ...base, name: pick(PAGES), category: "Site", properties: { path: `/p/${i % 50}`, referrer: "https://example.com/" } };
    } else if (roll < 0.73) {
      event = { type: "screen", ...base, name: pick(SCREENS), properties: { n: i } };
    } else if (roll < 0.87) {
      event = { type: "identify", ...base, traits: { email: `u${user}@example.com`, plan: pick(["free", "pro"]), address: { city: "Brno", zip: "60200" } } };
    } else if (roll < 0.94) {
      event = { type: "group", ...base, userId: `user-${user}`, groupId: `group-${user % 40}`, traits: { name: `Acme ${user % 40}`, employees: user } };
    } else {
      event = { type: "alias", messageId: base.messageId, userId: `user-${user}`, previousId: `anon-${user}`, timestamp: base.timestamp };
    }
    const odd = rng();
    if (odd < 0.01 && event.type === "track") delete event.event; // missing_event_name
    else if (odd < 0.02 && event.type !== "alias") { delete event.userId; delete event.anonymousId; } // missing_identity
    else if (odd < 0.03) event.integrations = { "Bloomreach Engagement": false }; // skipped: opted_out
    events.push(event);
  }
  return events;
}

/** What the core makes of each event: its commands, or the code it rejects it with. */
function expectations(events) {
  return events.map((event) => {
    try {
      return { event, commands: mapEvent(event, SETTINGS) };
    } catch (error) {
      return { event, commands: [], rejectCode: error.code };
    }
  });
}

// ------------------------------------------------------------------ the sender

/** Retries like @segment/analytics-node: 5xx but 501/505, 408, 410, 429, 460 and network errors; others are final. */
function retryable(status) {
  if (status === 0) return true;
  if (status >= 500) return status !== 501 && status !== 505;
  return [408, 410, 429, 460].includes(status);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts one batch until a 2xx (or a final answer, or MAX_ATTEMPTS); records every answer's rejected/skipped lists. */
async function sendBatch(url, batch, tally, rng, resent = false) {
  const body = JSON.stringify({ batch, writeKey: WRITE_KEY, sentAt: new Date().toISOString() });
  let retries = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let status = 0;
    let json;
    let retryAfter = null;
    try {
      const response = await fetch(`${url}/v1/batch`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basicAuth(), ...(attempt > 1 ? { "x-retry-count": String(attempt - 1) } : {}) },
        body,
        signal: AbortSignal.timeout(SENDER_TIMEOUT_MS),
      });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      const text = await response.text();
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    } catch (error) {
      tally.networkErrors.push(String(error?.message ?? error));
    }
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
    tally.requests += 1;
    for (const issue of json?.rejected ?? []) tally.rejected.set(issue.messageId, issue.code);
    for (const issue of json?.skipped ?? []) tally.skipped.set(issue.messageId, issue.code);
    if (status >= 200 && status < 400) {
      tally.maxAttempts = Math.max(tally.maxAttempts, attempt);
      if (!resent && rng() < RESEND_RATE) {
        // The answer "got lost": the client sends the whole batch again.
        tally.resent += 1;
        const again = await sendBatch(url, batch, tally, rng, true);
        return { ...json, queued: (json?.queued ?? 0) + (again?.queued ?? 0) };
      }
      return json;
    }
    if (!retryable(status)) break;
    const honoured = (status === 429 || status === 503) && /^\d+$/.test(retryAfter ?? "");
    const waitMs = honoured
      ? Math.min(Number(retryAfter) * 1000, RETRY_AFTER_CAP_MS)
      : Math.min(BACKOFF_MIN_MS * 2 ** retries * (1 + rng()), BACKOFF_CAP_MS);
    retries += 1;
    await sleep(waitMs);
  }
  tally.gaveUp.push(batch.map((e) => e.messageId));
  return undefined;
}

/** Sends every event in batches of BATCH_SIZE with IN_FLIGHT requests at once. */
async function sendAll(url, events, rng) {
  const tally = { requests: 0, statuses: {}, rejected: new Map(), skipped: new Map(), gaveUp: [], networkErrors: [], maxAttempts: 0, queued: 0, resent: 0 };
  const batches = [];
  for (let i = 0; i < events.length; i += BATCH_SIZE) batches.push(events.slice(i, i + BATCH_SIZE));
  let next = 0;
  async function lane() {
    while (next < batches.length) {
      const json = await sendBatch(url, batches[next++], tally, rng);
      tally.queued += json?.queued ?? 0;
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return tally;
}

// ------------------------------------------------------------------ counting at the stand-in

/**
 * Every event in exactly one class: delivered once / delivered more than once (every command saved), rejected for
 * good (by the core or by Bloomreach, as reported), skipped (opted out), or lost. Also checks what was saved.
 */
function countOutcomes(expected, standIn, rejected, skipped) {
  const stored = standIn.received.storedByCommandId();
  const counts = { sent: expected.length, deliveredOnce: 0, deliveredMoreThanOnce: 0, rejectedByCore: 0, rejectedByBloomreach: 0, skipped: 0, lost: 0 };
  const lost = [];
  const duplicated = [];
  const mismatched = [];
  const knownIds = new Set();
  for (const { event, commands, rejectCode } of expected) {
    const id = event.messageId;
    for (const command of commands) knownIds.add(command.command_id);
    const saved = commands.map((command) => stored.get(command.command_id) ?? []);
    for (const [k, copies] of saved.entries()) {
      for (const copy of copies) {
        const { name, command_id, data } = copy;
        if (!isDeepStrictEqual({ name, command_id, data }, commands[k])) mismatched.push(command_id);
      }
    }
    if (saved.some((copies) => copies.length > 1)) duplicated.push(id);
    if (rejectCode) {
      assert.equal(rejected.get(id), rejectCode, `${id} is reported rejected as ${rejectCode}`);
      counts.rejectedByCore += 1;
    } else if (commands.length === 0) {
      assert.equal(skipped.get(id), "opted_out", `${id} is reported skipped`);
      counts.skipped += 1;
    } else if (saved.every((copies) => copies.length >= 1)) {
      if (saved.every((copies) => copies.length === 1)) counts.deliveredOnce += 1;
      else counts.deliveredMoreThanOnce += 1;
    } else if (rejected.get(id) === "bloomreach_rejected") {
      counts.rejectedByBloomreach += 1;
    } else {
      counts.lost += 1;
      lost.push(id);
    }
  }
  const strangers = [...stored.keys()].filter((id) => !knownIds.has(id));
  return { counts, lost, duplicated, mismatched, strangers };
}

/** For a failure message: each duplicated event's commands, with the upstream requests that saved them. */
function describeDuplicates(ids, expected, standIn) {
  const stored = standIn.received.storedByCommandId();
  const byId = new Map(expected.map((e) => [e.event.messageId, e]));
  return ids.slice(0, 10).map((id) => {
    const { event, commands } = byId.get(id);
    const where = commands.map((c) => `${c.command_id} in requests ${(stored.get(c.command_id) ?? []).map((copy) => {
      const request = standIn.received.requests[copy.requestNumber - 1];
      return `#${copy.requestNumber} (${request.fault ?? "no fault"}, ${request.commands} commands)`;
    }).join(" and ") || "none"}`);
    return `${event.type} ${id}: ${where.join("; ")}`;
  }).join("\n");
}

function upstreamByFault(standIn) {
  const byFault = {};
  for (const request of standIn.received.requests) {
    if (!request.path.endsWith("/batch")) continue;
    const kind = request.fault ?? "none";
    byFault[kind] = (byFault[kind] ?? 0) + 1;
  }
  return byFault;
}

function printTable(mode, result, extra) {
  const { counts } = result;
  const rows = [
    ["events sent", counts.sent],
    ["delivered once", counts.deliveredOnce],
    ["delivered more than once", counts.deliveredMoreThanOnce],
    ["rejected (by the core: invalid event)", counts.rejectedByCore],
    ["rejected (by Bloomreach: per-command failure)", counts.rejectedByBloomreach],
    ["skipped (opted out)", counts.skipped],
    ["lost", counts.lost],
    ["events with any command saved more than once", result.duplicated.length],
    ...extra,
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nsoak, ${mode} mode (seed ${SEED}, fault rate ${FAULT_RATE}):`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

/** What the delivery ledger did, summed over the Worker's request or queue-batch lines. */
function ledgerRows(worker) {
  const reports = [...worker.logLines("request"), ...worker.logLines("queue_batch")].map((l) => l.ledger).filter(Boolean);
  const sum = (field) => reports.reduce((n, r) => n + (r[field] ?? 0), 0);
  const late = worker.logLines("delivery").filter((l) => l.late);
  return [
    ["ledger: hits (not sent again) / held by another delivery", `${sum("hits")} / ${sum("busy")}`],
    ["ledger: in doubt / late answers recorded", `${sum("inDoubt")} / ${late.reduce((n, l) => n + (l.ledgerWritten ?? 0), 0)}`],
    ["ledger: fallbacks to at-least-once", reports.filter((r) => r.fallback).length],
  ];
}

function newStandIn(mode) {
  return createStandIn({
    projectToken: PROJECT_TOKEN,
    apiKey: API_KEY,
    log: null,
    seed: SEED,
    // Every kind once first (so each is certainly exercised), then 30 % at random.
    faults: { script: [...FAULT_KINDS], rate: FAULT_RATE, slowMs: SLOW_MS[mode], retryAfter: 1 },
  });
}

const testTimeout = Math.max(170_000, EVENTS * 120);

test(`soak, direct mode: ${EVENTS} events under ${FAULT_RATE * 100} % upstream faults, a retrying sender; none lost, none duplicated`, { skip: !MODES.includes("direct"), timeout: testTimeout }, async () => {
  const standIn = newStandIn("direct");
  const worker = await startWorker({ bindings: BINDINGS, listen: true, standIn });
  try {
    const events = generateEvents(EVENTS, "direct", SEED);
    const expected = expectations(events);
    const started = Date.now();
    const tally = await sendAll(worker.url, events, mulberry32(SEED + 1));
    const seconds = (Date.now() - started) / 1000;
    const result = countOutcomes(expected, standIn, tally.rejected, tally.skipped);
    const deliveries = worker.logLines("delivery");
    printTable("direct", result, [
      ["sender: requests (statuses)", `${tally.requests} (${Object.entries(tally.statuses).map(([s, n]) => `${s}: ${n}`).join(", ")})`],
      ["sender: batches sent again (a lost answer)", tally.resent],
      ["sender: most attempts for one batch", tally.maxAttempts],
      ["sender: batches given up", tally.gaveUp.length],
      ["upstream requests by fault", JSON.stringify(upstreamByFault(standIn))],
      ["upstream timeouts seen by the Worker", deliveries.filter((l) => !l.late && /no answer within/.test(l.error ?? "")).length],
      ...ledgerRows(worker),
      ["duration", `${seconds.toFixed(1)} s`],
    ]);
    assert.deepEqual(tally.gaveUp, [], "the sender gave up on no batch");
    assert.deepEqual(result.lost, [], "no event lost");
    assert.deepEqual(result.duplicated, [], `no event delivered twice:\n${describeDuplicates(result.duplicated, expected, standIn)}`);
    assert.deepEqual(result.mismatched, [], "every saved command is what the npm package maps");
    assert.deepEqual(result.strangers, [], "nothing arrived that was not sent");
    // A command Bloomreach refused is reported rejected; the sender's retry of the request sends it again (the ledger
    // keeps only what Bloomreach accepted), so it may end delivered.
    assert.ok([...tally.rejected.values()].includes("bloomreach_rejected"), "the partial fault rejected some commands");
    assert.deepEqual(Object.keys(upstreamByFault(standIn)).sort(), ["none", ...FAULT_KINDS].sort(), "every fault kind was hit");
    assert.ok(deliveries.every((l) => l.commands <= 50));
  } finally {
    await worker.dispose();
  }
});

test(`soak, queue mode: ${EVENTS} events under ${FAULT_RATE * 100} % upstream faults; none lost, none duplicated`, { skip: !MODES.includes("queue"), timeout: testTimeout }, async () => {
  const standIn = newStandIn("queue");
  const worker = await startWorker({
    // QUEUE_RETRY_MAX_DELAY_SECONDS: retries wait 1 s instead of up to 5 min, so the queue drains in seconds.
    bindings: { ...BINDINGS, QUEUE_RETRY_MAX_DELAY_SECONDS: "1" },
    queue: true,
    listen: true,
    standIn,
    consumer: { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
  });
  try {
    const events = generateEvents(EVENTS, "queued", SEED);
    const expected = expectations(events);
    const started = Date.now();
    const tally = await sendAll(worker.url, events, mulberry32(SEED + 1));
    const sentSeconds = (Date.now() - started) / 1000;
    assert.deepEqual(Object.keys(tally.statuses), ["202"], "the producer answers 202 at once, whatever Bloomreach does");
    const acked = () => worker.logLines("queue_batch").reduce((n, l) => n + (l.delivered ?? 0) + (l.rejected ?? 0), 0);
    const parked = () => worker.logLines("dead_letters").reduce((n, l) => n + (l.parked ?? 0), 0);
    await waitFor(() => acked() + parked() >= tally.queued, {
      timeoutMs: testTimeout - 30_000, intervalMs: 250, what: `the queue to drain (${tally.queued} messages)`,
    });
    const seconds = (Date.now() - started) / 1000;
    const rejected = new Map(tally.rejected);
    for (const line of worker.logLines("rejected")) rejected.set(line.messageId, "bloomreach_rejected");
    const result = countOutcomes(expected, standIn, rejected, tally.skipped);
    const batches = worker.logLines("queue_batch");
    printTable("queue", result, [
      ["sender: batches sent again (a lost answer)", tally.resent],
      ["queued (messages)", tally.queued],
      ["consumer batches / messages retried", `${batches.length} / ${batches.reduce((n, l) => n + l.retried, 0)}`],
      ["dead-lettered (parked)", parked()],
      ["upstream requests by fault", JSON.stringify(upstreamByFault(standIn))],
      ["upstream timeouts seen by the consumer", worker.logLines("delivery").filter((l) => !l.late && /no answer within/.test(l.error ?? "")).length],
      ...ledgerRows(worker),
      ["duration (sending / until drained)", `${sentSeconds.toFixed(1)} s / ${seconds.toFixed(1)} s`],
    ]);
    assert.deepEqual(tally.gaveUp, [], "the sender gave up on no batch");
    assert.deepEqual((await worker.deadLetters()).map((m) => m.messageId), [], "nothing exhausted its retries");
    assert.deepEqual(result.lost, [], "no event lost");
    assert.deepEqual(result.duplicated, [], `no event delivered twice:\n${describeDuplicates(result.duplicated, expected, standIn)}`);
    assert.deepEqual(result.mismatched, [], "every saved command is what the npm package maps");
    assert.deepEqual(result.strangers, [], "nothing arrived that was not sent");
    assert.ok(result.counts.rejectedByBloomreach > 0, "the partial fault rejected some commands");
    assert.deepEqual(Object.keys(upstreamByFault(standIn)).sort(), ["none", ...FAULT_KINDS].sort(), "every fault kind was hit");
    assert.ok(batches.some((b) => b.retried > 0), "some messages went back to the queue");
  } finally {
    await worker.dispose();
  }
});
