// Upstream faults (5xx, 429, connection reset, slow past the timeout, per-command failures, garbage) in direct and queue mode: every event ends delivered or reported rejected, none lost.

import { test } from "node:test";
import assert from "node:assert/strict";
import { catalogSettings, npmPackage, postJson, startWorker, storedCommands, waitFor } from "./support.mjs";

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
      // the retry policy's unit tests), never waiting on an answer past its 2.5 s timeout.
      const rounds = new Set(worker.logLines("delivery").slice(linesBefore).map((l) => l.attempt));
      assert.ok(rounds.size >= 1 && rounds.size <= 8, `rounds ${[...rounds]}`);
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

    const statuses = worker.logLines("delivery").map((l) => l.status);
    for (const expected of [500, 429, 503, 0]) assert.ok(statuses.includes(expected), `saw upstream ${expected}: ${statuses}`);
    assert.ok(worker.logLines("delivery").some((l) => l.error === "no answer within 2500 ms"), "the slow answer timed out");
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
    assert.deepEqual(worker.deadLetters, []);
  } finally {
    await worker.dispose();
  }
});

test("queue mode: what exhausts its retries is kept in the dead-letter queue, with its commands", async () => {
  const worker = await startWorker({ queue: true, consumer: { maxRetries: 2 }, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const batch = events(3, "doomed").slice(0, 2);
    const { status } = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(status, 202);
    await waitFor(() => worker.deadLetters.length === 2, { timeoutMs: 60_000, intervalMs: 250, what: "the dead-letter queue" });
    const kept = worker.deadLetters.sort((a, b) => a.index - b.index);
    assert.deepEqual(kept.map((m) => m.messageId), ["doomed-0", "doomed-1"]);
    for (const [i, message] of kept.entries()) {
      const expected = mapEvent(batch[i], SETTINGS);
      assert.deepEqual(message.commands.map((c) => JSON.parse(c.json)), expected);
    }
    assert.equal(worker.standIn.received.stored.length, 0);
    assert.equal(worker.logLines("queue_batch").length, 3, "first attempt + 2 retries");
  } finally {
    await worker.dispose();
  }
});
