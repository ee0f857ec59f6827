// The delivery ledger in workerd (its Durable Objects as Miniflare runs them): a retry or a repeat is never sent twice, for 24 hours, a slow answer is held until it comes, an unavailable ledger falls back to at-least-once, and delivery metrics reach a bound Analytics Engine dataset.

import { test } from "node:test";
import assert from "node:assert/strict";
import { startPatchedWorker } from "./patched-build.mjs";
import { ADMIN, postJson, savedCounts, startWorker, waitFor } from "./support.mjs";

const track = (messageId, extra = {}) => ({ type: "track", event: "Ledger Test", userId: "u-1", ...(messageId ? { messageId } : {}), timestamp: "2024-05-01T10:00:00.000Z", ...extra });

/** A stand-in Durable Object class for DELIVERY_LEDGER that fails every request (`MODE` "error") or never answers ("hang"). */
function brokenLedger(mode) {
  return {
    ledger: { className: "BrokenLedger", scriptName: "broken-ledger" },
    workers: [{
      name: "broken-ledger",
      modules: true,
      compatibilityDate: "2026-04-01",
      bindings: { MODE: mode },
      // A delivery calls the ledger's RPC methods: these fail, or never answer.
      script: `import { DurableObject } from "cloudflare:workers";
      export class BrokenLedger extends DurableObject {
        async claimKeys() { return this.fail(); }
        async settleKeys() { return this.fail(); }
        async fail() {
          if (this.env.MODE === "hang") await new Promise(() => {});
          throw new Error("the ledger is down");
        }
      }
      export default { fetch() { return new Response("not here", { status: 404 }); } };`,
    }],
  };
}

test("a repeat in one body and the sender's retry are sent once; an event without messageId is a new event each time, as Segment's ingest makes it", async () => {
  const worker = await startWorker();
  try {
    const anonymous = { type: "identify", userId: "u-2", traits: { plan: "pro", seats: 3 }, sentAt: "2024-05-01T10:00:00Z", timestamp: "2024-05-01T10:00:00Z" };
    const body = { batch: [track("m-1"), track("m-1"), anonymous, track("m-2")] };
    let answer = await worker.dispatch("/v1/batch", postJson(body));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { received: 4, delivered: 4, rejected: [], skipped: [], retried: 0 });
    // The retry: the same events with messageIds are known; the one without gets a fresh
    // messageId again (the Worker cannot tell a retry from a second real event), so it is sent.
    answer = await worker.dispatch("/v1/batch", postJson({ batch: [track("m-2"), anonymous, track("m-1")] }));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { received: 3, delivered: 3, rejected: [], skipped: [], retried: 0 });
    const saved = savedCounts(worker.standIn);
    const stamped = Object.keys(saved).filter((id) => !id.startsWith("m-"));
    assert.equal(stamped.length, 2, `two fresh messageIds: ${stamped}`);
    for (const id of stamped) assert.match(id, /^[0-9a-f-]{36}-[12]$/);
    assert.deepEqual(saved, { "m-1": 1, "m-2": 1, [stamped[0]]: 1, [stamped[1]]: 1 }, "each command saved once");
    const [first, retry] = worker.logLines("request").map((l) => l.ledger);
    assert.deepEqual(first, { keys: 3, hits: 0, busy: 0, repeats: 1, unknown: 0, inDoubt: 0, written: 3 });
    assert.deepEqual(retry, { keys: 3, hits: 2, busy: 0, repeats: 0, unknown: 0, inDoubt: 0, written: 1 });
    assert.equal(worker.standIn.received.requests.length, 2, "the retry sent only the event without messageId");
  } finally {
    await worker.dispose();
  }
});

test("a slow answer past the timeout is held (503) until it comes, then recorded: the retry sends nothing again", async () => {
  const worker = await startWorker();
  try {
    worker.standIn.setFaults({ script: ["slow"], slowMs: 3_500 });
    const batch = [track("slow-1"), track("slow-2")];
    let answer = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.json.error.code, "delivery_incomplete");
    assert.match(answer.json.error.message, /not sent twice/);
    assert.match(answer.headers.get("retry-after"), /^\d+$/);
    assert.deepEqual(answer.json.pending.map((p) => [p.messageId, p.code]), [["slow-1", "delivery_pending"], ["slow-2", "delivery_pending"]]);
    assert.match(answer.json.pending[0].message, /still awaits that answer, so the event is not sent again now/);
    // Bloomreach saved them at once; the Worker hears so later and records it.
    const late = await waitFor(() => worker.logLines("delivery").find((l) => l.late), { what: "the late answer" });
    assert.deepEqual({ ...late, durationMs: 0 }, {
      kind: "delivery", mode: "direct", attempt: 1, commands: 2, status: 200, delivered: 2, rejected: 0, retry: 0,
      late: true, durationMs: 0, ledgerWritten: 2,
    });
    answer = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.deepEqual([answer.status, answer.json.delivered], [200, 2]);
    assert.deepEqual(savedCounts(worker.standIn), { "slow-1": 1, "slow-2": 1 });
    assert.equal(worker.standIn.received.requests.length, 1);
  } finally {
    await worker.dispose();
  }
});

test("a retry while the first delivery still awaits its answer finds the events held by it, and sends nothing", async () => {
  const worker = await startWorker();
  try {
    worker.standIn.setFaults({ script: ["slow"], slowMs: 6_000 });
    const batch = [track("held-1")];
    const first = worker.dispatch("/v1/batch", postJson({ batch }));
    await waitFor(() => worker.standIn.received.stored.length === 1, { what: "the first delivery to reach Bloomreach" });
    const second = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(second.status, 503, second.text);
    assert.match(second.json.pending[0].message, /another delivery of this event is in progress/);
    assert.equal((await first).status, 503);
    await waitFor(() => worker.logLines("delivery").some((l) => l.late), { what: "the late answer" });
    const third = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(third.status, 200, third.text);
    assert.deepEqual(savedCounts(worker.standIn), { "held-1": 1 });
    assert.deepEqual(worker.logLines("request").map((l) => [l.status, l.ledger.hits, l.ledger.busy]), [[503, 0, 1], [503, 0, 0], [200, 1, 0]]);
  } finally {
    await worker.dispose();
  }
});

for (const [mode, why] of [["error", /^claim: ledger-\d: the ledger is down$/], ["hang", /^claim: ledger-\d: no answer within 1000 ms$/]]) {
  test(`a ledger that ${mode === "error" ? "fails" : "never answers"}: delivery goes on at least once, logged once per request`, async () => {
    const worker = await startWorker(brokenLedger(mode));
    try {
      const batch = [track("fb-1"), track("fb-2", { event: "Other" })];
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await worker.dispatch("/v1/batch", postJson({ batch }));
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.json.delivered, 2);
      }
      // At least once: without the ledger, the sender's second send is delivered again.
      assert.deepEqual(savedCounts(worker.standIn), { "fb-1": 2, "fb-2": 2 });
      const lines = worker.logLines("request");
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.match(line.ledger.fallback, why);
        assert.equal(line.ledger.unknown, 2);
      }
      const others = worker.logs.filter((l) => !l.json || !["request", "delivery"].includes(l.json.kind));
      assert.deepEqual(others.map((l) => l.text).filter((t) => /ledger/i.test(t)), [], "no other line about the ledger");
    } finally {
      await worker.dispose();
    }
  });
}

test("without a ledger binding delivery is at least once, as before", async () => {
  const worker = await startWorker({ ledger: false });
  try {
    const batch = [track("nl-1")];
    for (let attempt = 0; attempt < 2; attempt++) assert.equal((await worker.dispatch("/v1/batch", postJson({ batch }))).status, 200);
    assert.deepEqual(savedCounts(worker.standIn), { "nl-1": 2 });
    assert.ok(worker.logLines("request").every((l) => l.ledger === undefined));
    assert.deepEqual((await worker.dispatch("/health", ADMIN)).json.deliveryLedger, { bound: false });
  } finally {
    await worker.dispose();
  }
});

test("metrics: a data point per delivery round and call type, and one for ledger hits, when a dataset is bound", async () => {
  // A dataset that prints each point (a wrapped binding, as Miniflare builds its own simulator).
  const recorder = {
    name: "metrics-recorder",
    modules: true,
    script: `export default function () {
      return { writeDataPoint(point) { console.log(JSON.stringify({ kind: "data_point", ...point })); } };
    }`,
  };
  const recorded = await startWorker({ workers: [recorder], metrics: { scriptName: "metrics-recorder" } });
  try {
    recorded.standIn.setFaults({ script: ["503"] });
    const batch = [track("mx-1"), { type: "page", anonymousId: "a-1", messageId: "mx-2", name: "Home" }];
    let answer = await recorded.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(answer.status, 200, answer.text);
    answer = await recorded.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(answer.status, 200);
    const points = recorded.logLines("data_point").map(({ indexes, blobs, doubles }) => ({ indexes, blobs, doubles: [doubles[0], ...doubles.slice(1, 6)] }));
    assert.deepEqual(points, [
      { indexes: ["direct"], blobs: ["direct", "track", "retry", "503", "default"], doubles: [1, 1, 0, 0, 1, 0] },
      { indexes: ["direct"], blobs: ["direct", "page", "retry", "503", "default"], doubles: [1, 1, 0, 0, 1, 0] },
      { indexes: ["direct"], blobs: ["direct", "track", "delivered", "200", "default"], doubles: [2, 1, 1, 0, 0, 0] },
      { indexes: ["direct"], blobs: ["direct", "page", "delivered", "200", "default"], doubles: [2, 1, 1, 0, 0, 0] },
      { indexes: ["direct"], blobs: ["direct", "track", "already_delivered", "ledger", "default"], doubles: [0, 1, 1, 0, 0, 0] },
      { indexes: ["direct"], blobs: ["direct", "page", "already_delivered", "ledger", "default"], doubles: [0, 1, 1, 0, 0, 0] },
    ]);
  } finally {
    await recorded.dispose();
  }
  // Miniflare's own Analytics Engine simulator: points written, nothing fails.
  const simulated = await startWorker({ metrics: true });
  try {
    const answer = await simulated.dispatch("/v1/batch", postJson({ batch: [track("mx-3")] }));
    assert.deepEqual([answer.status, answer.json.delivered], [200, 1]);
    assert.equal((await simulated.dispatch("/health", ADMIN)).json.deliveryMetrics, true);
  } finally {
    await simulated.dispose();
  }
});

test("a delivered event is remembered for 24 hours, as Segment deduplicates, and sent again after", async () => {
  // The Worker's clock moved forward (`patched-build.mjs`): the ledger's objects read the same clock.
  const worker = await startPatchedWorker();
  const HOUR = 3_600_000;
  const at = (hours) => postJson(track("day-1"), { "x-test-clock-shift": String(hours * HOUR) });
  try {
    const delivered = { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 };
    for (const [hours, sent] of [[0, 1], [1, 1], [23.9, 1], [24.1, 2], [30, 2]]) {
      const answer = await worker.dispatch("/v1/track", at(hours));
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.json, delivered, `${hours} h on`);
      assert.equal(worker.standIn.received.requests.length, sent, `sent ${sent} time(s) by ${hours} h on`);
    }
    assert.deepEqual(savedCounts(worker.standIn), { "day-1": 2 });
  } finally {
    await worker.dispose();
  }
});

test("the sweep's alarm, when setting it fails, is set by the object's next write, and the sweep deletes what stopped counting", async () => {
  // Alarms made to fail and to ring early, the clock moved forward (`patched-build.mjs`).
  const worker = await startPatchedWorker({ bindings: { LEDGER_OBJECTS: "1" } });
  const HOUR = 3_600_000;
  try {
    // The claim's write asks for the sweep's alarm, which fails; the settle's write asks again
    // (here it rings 3 s on instead of in an hour). Delivery does not wait for either.
    let answer = await worker.dispatch("/v1/track", postJson(track("swept-1"), { "x-test-alarm-fail": "1", "x-test-alarm-in": "3000" }));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(worker.standIn.received.requests.length, 1);
    // 26 hours on when it rings: the entry stopped counting 2 hours before (kept 24), past the
    // sweep's hour of grace.
    assert.equal((await worker.dispatch("/health", { headers: { "x-test-clock-shift": String(26 * HOUR) } })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    // Back to now, when the entry would still count: the event is sent again only because the
    // sweep deleted it.
    assert.equal((await worker.dispatch("/health", { headers: { "x-test-clock-shift": "0" } })).status, 200);
    answer = await worker.dispatch("/v1/track", postJson(track("swept-1")));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(worker.standIn.received.requests.length, 2, "the swept entry no longer held the event back");
  } finally {
    await worker.dispose();
  }
});
