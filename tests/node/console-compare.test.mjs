// The console's pure helpers: pairing the live and edited commands of a try (and the paths where a
// pair differs), and a dead-letter replay report read letter by letter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compare, differences } from "../../preview/console/try/compare.js";
import { fates } from "../../preview/console/dead-letters/dead-letters.js";

const request = (commands, events, origins) => ({ method: "POST", url: "u", headers: {}, body: JSON.stringify({ commands }), events, ...(origins ? { origins } : {}) });
const command = (id, eventType, plan) => ({ name: "customers/events", command_id: id, data: { event_type: eventType, properties: { plan } } });

test("differences lists the paths where two values differ, keys missing on one side included", () => {
  assert.deepEqual(differences({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), ["b.c[1]"]);
  assert.deepEqual(differences({ a: 1 }, { a: 1, b: 2 }), ["b"]);
  assert.deepEqual(differences([1], { 0: 1 }), ["(value)"]);
  assert.deepEqual(differences("x", "x"), []);
});

test("compare pairs each event's commands in order: same, changed (with paths and origin), added, removed", () => {
  const live = { requests: [request([command("e1", "registration", "pro"), command("e2", "a", 1)], [0, 1], ["signup", null])] };
  const edited = { requests: [request([command("e1", "signup_v2", "pro"), command("e2", "a", 1), command("e2:1", "b", 1)], [0, 1, 1], ["signup", "extra", "extra"])] };
  assert.deepEqual(
    compare(live, edited, 3).map(({ index, pairs }) => ({ index, pairs: pairs.map((p) => [p.kind, p.paths, p.live?.command.command_id ?? null, p.edited?.command.command_id ?? null]) })),
    [
      { index: 0, pairs: [["changed", ["data.event_type"], "e1", "e1"]] },
      { index: 1, pairs: [["changed", ["origin"], "e2", "e2"], ["added", [], null, "e2:1"]] },
      { index: 2, pairs: [] },
    ],
  );
  assert.deepEqual(compare(edited, live, 2)[1].pairs.map((p) => p.kind), ["changed", "removed"]);
});

test("a replay report becomes each letter's outcome", () => {
  assert.deepEqual(
    fates({ replayed: 5, delivered: ["a"], alreadyDelivered: ["b"], rejected: [{ id: "c", message: "bad" }], failed: [{ id: "d", message: "HTTP 500" }], notFound: ["e"], notReached: ["f"] }),
    { a: ["delivered", ""], b: ["already delivered", "Bloomreach had it: not sent again"], c: ["rejected", "bad"], d: ["failed", "HTTP 500"], e: ["not found", ""], f: ["not reached", "replay it again"] },
  );
});
