// A crash of the Worker's wasm in workerd (a trap, as a panic ends in): the request or queue batch it happened in fails, the isolate serves the next ones, and the delivery ledger still sends each event once.
//
// Nothing a sender can send makes the Worker trap, so the test makes it (`patched-build.mjs`: the
// wasm's allocator asked for an impossible size, a real `unreachable` trap inside the wasm) at the
// request's first reading of the time (before the ledger) or as it hands Bloomreach's request
// over (after the ledger's claim). Everything else is the shipped Worker, so the recovery under
// test is the shipped one: wasm-bindgen's glue re-instantiates a module that aborted before its
// next call, worker-build's entry and Durable Object proxies re-create their objects.

import { test } from "node:test";
import assert from "node:assert/strict";
import { startPatchedWorker } from "./patched-build.mjs";
import { postJson, savedCounts, waitFor } from "./support.mjs";

const track = (messageId) => ({ type: "track", event: "Recovery Test", userId: "u-1", messageId, timestamp: "2024-05-01T10:00:00.000Z" });

/** Whether the Worker logged a trap (worker-build's entry logs it as `Critical RuntimeError: …`; workerd's output reaches the test a little after the answer). */
function loggedTrap(worker) {
  return worker.logs.some((line) => line.text.includes("RuntimeError: unreachable"));
}

/** The request with `x-test-trap: where`. */
function trapping(body, where) {
  return postJson(body, { "x-test-trap": where });
}

test("a trap before the ledger: that request fails, the next ones are served, and its event is delivered once when the sender retries", async () => {
  const worker = await startPatchedWorker();
  try {
    let answer = await worker.dispatch("/v1/track", postJson(track("before-1")));
    assert.equal(answer.status, 200, answer.text);

    // The trap leaves the request's future unfinished: the runtime answers 500 once it sees
    // that nothing can finish it.
    answer = await worker.dispatch("/v1/track", trapping(track("trap-1"), "clock"));
    assert.equal(answer.status, 500, `the trapped request fails: ${answer.text}`);
    await waitFor(() => loggedTrap(worker), { what: "the trap's log line (the wasm trapped)", timeoutMs: 10_000 });
    assert.equal(worker.standIn.received.requests.length, 1, "nothing sent for the trapped request");

    // The sender's retry, and a new event, on the re-instantiated wasm and ledger objects.
    answer = await worker.dispatch("/v1/track", postJson(track("trap-1")));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 });
    answer = await worker.dispatch("/v1/track", postJson(track("after-1")));
    assert.equal(answer.status, 200, answer.text);
    // And a second retry is known to the ledger: not sent again.
    answer = await worker.dispatch("/v1/track", postJson(track("trap-1")));
    assert.deepEqual(answer.json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 });
    // Four request lines (the trapped request wrote none); workerd's output comes a little late.
    const lines = await waitFor(() => {
      const written = worker.logLines("request");
      return written.length >= 4 && written;
    }, { what: "the request lines", timeoutMs: 10_000 });
    assert.equal(lines.length, 4);
    assert.equal(lines[3].ledger.hits, 1, "the ledger knew the event");

    assert.deepEqual(savedCounts(worker.standIn), { "before-1": 1, "trap-1": 1, "after-1": 1 });
    assert.equal(worker.standIn.received.requests.length, 3);
  } finally {
    await worker.dispose();
  }
});

test("a trap after the ledger's claim: the retry is held while the dead delivery's lease lasts, then the event is sent once", async () => {
  const worker = await startPatchedWorker();
  try {
    let answer = await worker.dispatch("/v1/track", trapping(track("claimed-1"), "send"));
    assert.equal(answer.status, 500, `the trapped request fails: ${answer.text}`);
    await waitFor(() => loggedTrap(worker), { what: "the trap's log line (the wasm trapped)", timeoutMs: 10_000 });
    assert.equal(worker.standIn.received.requests.length, 0, "the trap came before anything was sent");

    // The delivery that claimed the event died holding its lease (29 s in direct mode): the
    // ledger cannot tell it from one still waiting for Bloomreach, so a retry is held.
    const trappedAt = Date.now();
    answer = await worker.dispatch("/v1/track", postJson(track("claimed-1")));
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.json.error.code, "delivery_incomplete", answer.text);
    assert.ok(Number(answer.headers.get("retry-after")) > 0, "Retry-After says when to come back");
    assert.equal(worker.standIn.received.requests.length, 0);

    // Once the lease has ended, the next retry sends it, once.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, trappedAt + 30_000 - Date.now())));
    answer = await worker.dispatch("/v1/track", postJson(track("claimed-1")));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 });
    answer = await worker.dispatch("/v1/track", postJson(track("claimed-1")));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(savedCounts(worker.standIn), { "claimed-1": 1 });
  } finally {
    await worker.dispose();
  }
});

test("queue mode: a trap in the consumer before it sends: the batch comes back, waits out the dead run's lease, and each event is sent once", async () => {
  const worker = await startPatchedWorker({ queue: true, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    // The next request handed to Bloomreach traps, wherever it is made: the consumer's (the
    // ingest only enqueues). Nothing is sent to the Worker until the end, which would clear it.
    const answer = await worker.dispatch("/v1/batch", trapping({ batch: [track("queued-1"), track("queued-2")] }, "send"));
    assert.equal(answer.status, 202, answer.text);
    // The run that trapped had claimed both events (a 45 s lease in queue mode): the queue's
    // retries wait it out, then deliver.
    await waitFor(() => worker.standIn.received.stored.length >= 2, { what: "the events delivered", timeoutMs: 120_000 });
    await waitFor(() => loggedTrap(worker), { what: "the trap's log line (the wasm trapped)", timeoutMs: 10_000 });
    // Nothing more comes: each event was sent once.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.deepEqual(savedCounts(worker.standIn), { "queued-1": 1, "queued-2": 1 });
    assert.equal(worker.standIn.received.requests.length, 1);
    assert.deepEqual(await worker.deadLetters(), []);
  } finally {
    await worker.dispose();
  }
});
