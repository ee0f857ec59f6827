// Dead letters never lost: parked and listed in byte-bounded pages with a cursor, spread over the ledger objects, reported in /health, discarded and replayed per letter and per object, and swept after their retention.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ADMIN_TOKEN, BASE_BINDINGS, catalogSettings, npmPackage, postJson, startWorker, waitFor } from "./support.mjs";

const { mapEvent } = npmPackage();
const QUEUE_BINDINGS = { ECOMMERCE_EVENTS: "true", QUEUE_RETRY_MAX_DELAY_SECONDS: "1" };
const SETTINGS = catalogSettings({ ...BASE_BINDINGS, ...QUEUE_BINDINGS });

/** An order of 1,000 products: four queue messages of about 100 KB each. */
function order(k) {
  const products = Array.from({ length: 1000 }, (_, i) => ({ product_id: `p-${i}` }));
  return { type: "track", event: "Order Completed", messageId: `order-${k}`, userId: `u-${k}`, timestamp: "2024-05-01T10:00:00.000Z", properties: { order_id: `o-${k}`, products } };
}

function admin(worker, path, body, method = "POST") {
  return worker.dispatch(path, {
    method: body === undefined ? "GET" : method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

test("letters whose bodies exceed 2 MB in all are parked, listed page by page (each within 1 MB) with none missed or twice, reported in /health, and discarded letter by letter", async () => {
  const worker = await startWorker({ queue: true, consumer: { maxRetries: 1 }, bindings: QUEUE_BINDINGS });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const orders = Array.from({ length: 6 }, (_, k) => order(k));
    for (const one of orders) assert.equal((await worker.dispatch("/v1/batch", postJson({ batch: [one] }))).status, 202);
    const letters = await waitFor(async () => {
      const parked = await worker.deadLetters();
      return parked.length === 24 && parked;
    }, { timeoutMs: 90_000, intervalMs: 500, what: "24 dead letters" });
    const bytes = letters.reduce((n, l) => n + JSON.stringify(l.event).length, 0);
    assert.ok(bytes > 2_200_000, `${bytes} bytes of bodies`);
    // Every command of every order parked once, in its order within each letter.
    for (const one of orders) {
      const parts = letters.filter((l) => l.messageId === one.messageId);
      assert.equal(parts.length, 4);
      const parked = parts.flatMap((l) => l.event.commands.map((c) => c.command_id)).sort();
      assert.deepEqual(parked, mapEvent(one, SETTINGS).map((c) => c.command_id).sort());
      for (const part of parts) {
        const ids = part.event.commands.map((c) => Number(c.command_id.split(":")[1] ?? 0));
        assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      }
    }
    assert.equal(new Set(letters.map((l) => l.id)).size, 24);
    // Pages: each within the 1 MB bound, the cursor continuing where the last page ended.
    const first = await admin(worker, "/admin/dead-letters?limit=500");
    assert.equal(first.status, 200);
    assert.ok(first.text.length < 1_100_000 && first.json.letters.length < 24 && first.json.total === 24, `${first.text.length} bytes, ${first.json.letters.length} letters`);
    const last = first.json.letters.at(-1);
    assert.equal(first.json.next, `${last.parkedAt}.${last.id}`);
    assert.deepEqual(first.json.letters.map((l) => l.id), letters.slice(0, first.json.letters.length).map((l) => l.id));
    assert.equal((await admin(worker, "/admin/dead-letters?after=nope")).json.error.code, "invalid_admin_request");
    // /health: how many, the oldest and when it goes.
    const health = await worker.dispatch("/health", ADMIN);
    const oldest = Math.min(...letters.map((l) => l.parkedAt));
    assert.deepEqual(health.json.deadLetters, { count: 24, oldestParkedAt: oldest, oldestExpiresAt: oldest + 14 * 86_400_000, retentionDays: 14 });
    // Discard, letter by letter.
    const gone = letters.filter((l) => l.messageId === "order-0").map((l) => l.id);
    const discard = await admin(worker, "/admin/dead-letters/discard", { ids: [...gone, "no-such-letter"] });
    assert.equal(discard.status, 200, discard.text);
    assert.deepEqual({ ...discard.json, ids: discard.json.ids.sort() }, { discarded: 4, ids: [...gone].sort(), notFound: ["no-such-letter"] });
    assert.equal((await worker.deadLetters()).length, 20);
    assert.ok(worker.logLines("dead_letters").every((l) => l.error === undefined));
  } finally {
    await worker.dispose();
  }
});

test("letters are kept DEAD_LETTER_RETENTION_DAYS, reported in /health until then, then swept by the ledger object's alarm", async () => {
  const days = 3 / 86_400;
  const worker = await startWorker({ queue: true, consumer: { maxRetries: 0 }, bindings: { ...QUEUE_BINDINGS, DEAD_LETTER_RETENTION_DAYS: String(days) } });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const event = { type: "track", event: "Doomed", messageId: "doomed", userId: "u" };
    assert.equal((await worker.dispatch("/v1/batch", postJson({ batch: [event] }))).status, 202);
    const [letter] = await waitFor(async () => {
      const parked = await worker.deadLetters();
      return parked.length === 1 && parked;
    }, { timeoutMs: 30_000, intervalMs: 100, what: "the dead letter" });
    const health = await worker.dispatch("/health", ADMIN);
    assert.deepEqual(health.json.deadLetters, { count: 1, oldestParkedAt: letter.parkedAt, oldestExpiresAt: letter.parkedAt + 3_000, retentionDays: days });
    await waitFor(async () => (await worker.deadLetters()).length === 0, { timeoutMs: 20_000, intervalMs: 250, what: "the letter swept" });
    assert.deepEqual(worker.logLines("dead_letters_expired"), [{ kind: "dead_letters_expired", letters: 1, retentionDays: days }]);
    assert.deepEqual((await worker.dispatch("/health", ADMIN)).json.deadLetters, { count: 0, oldestParkedAt: null, oldestExpiresAt: null, retentionDays: days });
  } finally {
    await worker.dispose();
  }
});

test("a replay with one ledger object failing replays the letters of the others and reports that object; its letters stay parked", async () => {
  // The ledger's objects behind a proxy that fails every request to ledger-0 once told to.
  const proxy = {
    name: "partly-broken",
    modules: true,
    compatibilityDate: "2026-04-01",
    durableObjects: { REAL: { className: "DeliveryLedger", scriptName: "segment-bloomreach", useSQLite: true } },
    // Deliveries' claims and settles are RPC calls, passed through; the letters' routes are fetches.
    script: `import { DurableObject } from "cloudflare:workers";
      let broken = false;
      export class PartlyBroken extends DurableObject {
        real() { return this.env.REAL.get(this.env.REAL.idFromName(this.ctx.id.name)); }
        async fetch(request) {
          const name = this.ctx.id.name;
          if (broken && name === "ledger-0") return new Response("ledger-0 is down", { status: 500 });
          return this.real().fetch(request);
        }
        claimKeys(request) { return this.real().claimKeys(request); }
        settleKeys(request) { return this.real().settleKeys(request); }
      }
      export default { fetch(request) { broken = new URL(request.url).pathname === "/break"; return new Response(String(broken)); } };`,
  };
  const worker = await startWorker({ queue: true, consumer: { maxRetries: 0 }, bindings: QUEUE_BINDINGS, ledger: { className: "PartlyBroken", scriptName: "partly-broken" }, workers: [proxy] });
  try {
    worker.standIn.setFaults({ rate: 1, kinds: ["500"] });
    const batch = Array.from({ length: 16 }, (_, i) => ({ type: "track", event: "Doomed", messageId: `doomed-${i}`, userId: `u-${i}` }));
    assert.equal((await worker.dispatch("/v1/batch", postJson({ batch }))).status, 202);
    const letters = await waitFor(async () => {
      const parked = await worker.deadLetters();
      return parked.length === 16 && parked;
    }, { timeoutMs: 30_000, intervalMs: 100, what: "16 dead letters" });
    worker.standIn.setFaults({});
    const broken = await worker.mf.getWorker("partly-broken");
    assert.equal(await (await broken.fetch("http://proxy/break")).text(), "true");
    const listing = await admin(worker, "/admin/dead-letters?limit=500");
    assert.equal(listing.status, 200);
    assert.deepEqual(listing.json.failedObjects, [{ object: "ledger-0", error: 'ledger-0: HTTP 500: ledger-0 is down' }]);
    const onZero = letters.filter((l) => !listing.json.letters.some((k) => k.id === l.id)).map((l) => l.id).sort();
    assert.ok(onZero.length > 0 && onZero.length < 16, `${onZero.length} letters on ledger-0`);
    const replay = await admin(worker, "/admin/dead-letters/replay", { all: true });
    assert.equal(replay.status, 200, replay.text);
    assert.deepEqual({ ...replay.json, delivered: replay.json.delivered.sort() }, {
      replayed: 16 - onZero.length,
      delivered: letters.map((l) => l.id).filter((id) => !onZero.includes(id)).sort(),
      alreadyDelivered: [],
      rejected: [],
      failed: [],
      notFound: [],
      failedObjects: [{ object: "ledger-0", error: 'ledger-0: HTTP 500: ledger-0 is down' }],
    });
    assert.equal(await (await broken.fetch("http://proxy/mend")).text(), "false");
    assert.deepEqual((await worker.deadLetters()).map((l) => l.id).sort(), onZero);
  } finally {
    await worker.dispose();
  }
});
