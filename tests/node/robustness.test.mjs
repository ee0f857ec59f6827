// Bad input from JavaScript never throws out of buildRequests: each bad event is rejected alone with a code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRequests, buildRequestsFromJson, mapEvent } from "../../pkg/node/index.mjs";
import { readJson } from "./fixtures.js";

const settings = readJson("settings.base.json");
const good = (id) => ({ type: "track", messageId: id, userId: "u", event: "E" });

function nested(depth) {
  let value = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

test("120 valid and 3 invalid events: 3 requests of ≤ 50 commands, 3 coded rejections, nothing lost, no duplicate command_id", () => {
  const events = Array.from({ length: 120 }, (_, i) => good(`m-${i}`));
  events.splice(5, 0, { type: "track", messageId: "bad-1", event: "E" });
  events.splice(60, 0, { type: "group", messageId: "bad-2", userId: "u" });
  events.push(null);
  const result = buildRequests(events, settings);
  assert.deepEqual(result.requests.map((r) => JSON.parse(r.body).commands.length), [50, 50, 20]);
  assert.deepEqual(
    result.rejected.map((r) => [r.index, r.code]),
    [[5, "missing_identity"], [60, "missing_group_id"], [122, "invalid_event"]],
  );
  const ids = result.requests.flatMap((r) => JSON.parse(r.body).commands.map((c) => c.command_id));
  assert.equal(new Set(ids).size, 120);
  assert.deepEqual(new Set(ids), new Set(Array.from({ length: 120 }, (_, i) => `m-${i}`)));
});

test("hostile events are rejected alone and the others still map", () => {
  const cyclic = good("cyclic");
  cyclic.properties = { self: null };
  cyclic.properties.self = cyclic;
  const hostile = [
    42,
    "event",
    undefined,
    () => {},
    Symbol("s"),
    10n,
    { ...good("nan-ts"), timestamp: NaN },
    { ...good("inf-ts"), originalTimestamp: Infinity },
    { ...good("nan-user"), userId: NaN },
    { ...good("big-user"), userId: 12345678901234567890n },
    { ...good("bad-date"), timestamp: new Date("nope") },
    { ...good("big-prop"), properties: { n: 1n } },
    cyclic,
    { ...good("deep"), properties: nested(1000) },
    { ...good("huge"), properties: { s: "x".repeat(1 << 20) } },
    JSON.parse('{"type":"track","messageId":"proto","userId":"u","event":"E","properties":{"__proto__":{"polluted":true}}}'),
    { ...good("wrong-props"), properties: "nope" },
  ];
  const events = [good("first"), ...hostile, good("last")];
  const result = buildRequests(events, settings);
  assert.deepEqual(
    result.rejected.map((r) => [r.index, r.code]),
    [
      [1, "invalid_event"], [2, "invalid_event"], [3, "invalid_event"], [4, "invalid_event"], [5, "invalid_event"],
      [6, "invalid_event"], [7, "invalid_timestamp"], [8, "invalid_timestamp"], [9, "invalid_identity"],
      [10, "invalid_identity"], [11, "invalid_timestamp"], [12, "invalid_event"], [13, "invalid_event"],
      [14, "invalid_event"], [15, "invalid_event"], [16, "invalid_event"], [17, "invalid_event"],
    ],
  );
  for (const r of result.rejected) assert.match(r.message, new RegExp(`^event ${r.index}\\b`));
  assert.deepEqual(result.requests.flatMap((r) => JSON.parse(r.body).commands.map((c) => c.command_id)), ["first", "last"]);
  assert.equal({}.polluted, undefined, "no prototype was polluted");
  assert.equal(Object.prototype.polluted, undefined);
});

test("NaN deep inside properties becomes null, as Segment's own libraries send it; a Date becomes its time", () => {
  const commands = mapEvent({ ...good("nan-deep"), timestamp: new Date(Date.UTC(2024, 2, 4, 15, 32, 56, 409)), properties: { price: NaN, skip: undefined } }, settings);
  assert.deepEqual(commands[0].data, { customer_ids: { registered: "u" }, event_type: "E", timestamp: 1709566376.409, properties: { price: null } });
});

test("a 10,000-deep body and a 2,501-event batch are refused with codes, not a crash", () => {
  const deepBody = `{"batch":[${"[".repeat(10000)}${"]".repeat(10000)}]}`;
  const result = buildRequestsFromJson(deepBody, settings);
  assert.deepEqual(result.rejected.map((r) => r.code), ["invalid_event"]);
  assert.throws(() => buildRequestsFromJson(JSON.stringify({ batch: Array(2501).fill({}) }), settings), { code: "too_many_events" });
  assert.throws(() => buildRequests("not an array", settings), { code: "invalid_body" });
  assert.throws(() => buildRequestsFromJson({}, settings), { code: "invalid_body" });
});

test("invalid settings throw once, with every problem, before any event is looked at", () => {
  assert.throws(() => buildRequests([good("a")], { apiKey: "k" }), (e) => {
    assert.equal(e.code, "invalid_settings");
    assert.deepEqual(e.problems.map((p) => p.field), ["projectToken", "exponeaHardId", "exponeaSoftId"]);
    return true;
  });
  assert.throws(() => mapEvent(good("a"), undefined), { code: "invalid_settings" });
  assert.throws(() => mapEvent(good("a"), { ...settings, apiKey: 1n }), { code: "invalid_settings" });
});
