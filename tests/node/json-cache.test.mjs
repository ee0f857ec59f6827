// The package keeps the JSON text of the last settings (rules included) and of the mappings it was
// given, reused while the same plain data comes back: every way the same object can come to
// stringify differently must be seen on the very next call.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../pkg/node/index.mjs";
import * as corpus from "../../benches/corpus.mjs";

const event = { type: "track", userId: "u1", event: "Bought", messageId: "m1", timestamp: "2026-01-01T00:00:00Z", properties: { sku: "a", price: 3 } };
const rule = () => ({ name: "r", subscribe: 'event = "Bought"', eventType: "purchase", properties: { sku: { "@path": "$.properties.sku" } } });

/** The properties of the one command `settings` make of `event`. */
function sent(settings) {
  const { requests, rejected } = api.buildRequests([event], settings);
  assert.deepEqual(rejected, []);
  return JSON.parse(requests[0].body).commands.map((c) => [c.data.event_type, c.data.properties]);
}

test("settings with rules: a change anywhere inside them takes effect on the next call", () => {
  const settings = { ...corpus.SETTINGS, mappings: [rule()] };
  assert.deepEqual(sent(settings), [["purchase", { sku: "a" }]]);
  assert.deepEqual(sent(settings), [["purchase", { sku: "a" }]]);
  settings.mappings[0].properties.sku["@path"] = "$.properties.price"; // deep inside
  assert.deepEqual(sent(settings), [["purchase", { sku: 3 }]]);
  settings.mappings[0].properties.extra = "x"; // a key added
  assert.deepEqual(sent(settings), [["purchase", { sku: 3, extra: "x" }]]);
  delete settings.mappings[0].properties.sku; // a key removed
  assert.deepEqual(sent(settings), [["purchase", { extra: "x" }]]);
  settings.mappings[0].properties = { b: "2", a: "1" }; // keys reordered
  assert.deepEqual(Object.keys(sent(settings)[0][1]), ["b", "a"]);
  settings.mappings[0].properties = { a: "1", b: "2" };
  assert.deepEqual(Object.keys(sent(settings)[0][1]), ["a", "b"]);
  settings.mappings.push({ ...rule(), name: "second", eventType: "again" }); // an array grown
  assert.deepEqual(sent(settings).map(([type]) => type), ["purchase", "again"]);
  settings.mappings.pop();
  assert.deepEqual(sent(settings).map(([type]) => type), ["purchase"]);
  settings.mappings[0].properties.a = new Date(0); // a value with a toJSON
  assert.deepEqual(sent(settings), [["purchase", { a: "1970-01-01T00:00:00.000Z", b: "2" }]]);
  settings.mappings[0].properties.a = { toJSON: () => "from toJSON" };
  assert.deepEqual(sent(settings), [["purchase", { a: "from toJSON", b: "2" }]]);
  settings.mappings[0].properties.a = "1";
  settings.mappings[0].properties.b = undefined; // left out by JSON
  assert.deepEqual(sent(settings), [["purchase", { a: "1" }]]);
  assert.deepEqual(sent({ ...corpus.SETTINGS, mappings: [rule()] }), [["purchase", { sku: "a" }]], "another object holding the same");
  assert.deepEqual(sent(corpus.SETTINGS), [["Bought", sent(corpus.SETTINGS)[0][1]]], "no rules");
});

test("a getter is read once a call, and what it gave is what is sent", () => {
  let n = 0;
  const properties = {};
  Object.defineProperty(properties, "n", { enumerable: true, get: () => `value-${++n}` });
  const settings = { ...corpus.SETTINGS, mappings: [{ ...rule(), properties }] };
  const seen = [sent(settings), sent(settings), sent(settings)].map(([[, p]]) => p.n);
  assert.deepEqual(seen, ["value-1", "value-3", "value-5"], "read once to compare and once to write on a change, never a stale value");
  // A getter answering the same is as good as a plain value.
  const steady = {};
  Object.defineProperty(steady, "s", { enumerable: true, get: () => "same" });
  const withSteady = { ...corpus.SETTINGS, mappings: [{ ...rule(), properties: steady }] };
  assert.deepEqual(sent(withSteady), [["purchase", { s: "same" }]]);
  assert.deepEqual(sent(withSteady), [["purchase", { s: "same" }]]);
});

test("what JSON writes differently from how it reads is never reused: __proto__ keys, class instances, boxed values", () => {
  const parsed = JSON.parse('{"__proto__": {"@path": "$.properties.sku"}, "kept": "k"}');
  const settings = { ...corpus.SETTINGS, mappings: [{ ...rule(), properties: parsed }] };
  assert.deepEqual(sent(settings), [["purchase", { kept: "k" }]], "a __proto__ key is resolved and lost, as in Segment's");
  assert.deepEqual(sent(settings), [["purchase", { kept: "k" }]]);
  class Props {
    constructor() {
      this.k = "from a class";
    }
  }
  const withClass = { ...corpus.SETTINGS, mappings: [{ ...rule(), properties: new Props() }] };
  assert.deepEqual(sent(withClass), [["purchase", { k: "from a class" }]]);
  withClass.mappings[0].properties.k = "changed";
  assert.deepEqual(sent(withClass), [["purchase", { k: "changed" }]]);
  const boxed = { ...corpus.SETTINGS, mappings: [{ ...rule(), eventType: new String("boxed") }] };
  assert.deepEqual(sent(boxed).map(([type]) => type), ["boxed"]);
  boxed.mappings[0].eventType = { 0: "b" };
  assert.deepEqual(api.buildRequests([event], boxed).rejected.map((r) => r.code), ["mapping_failed"], "an object is not a string");
});

test("transform: a mapping changed anywhere inside is compiled again, the same one is not", () => {
  const payload = { properties: { a: 1, b: 2, nested: { c: 3 } }, context: { ip: "x" } };
  const mapping = { out: { "@path": "$.properties.a" }, deep: { inner: { "@path": "$.properties.nested.c" } } };
  assert.deepEqual(api.transform(mapping, payload), { out: 1, deep: { inner: 3 } });
  assert.deepEqual(api.transform(mapping, payload), { out: 1, deep: { inner: 3 } });
  mapping.deep.inner["@path"] = "$.properties.b";
  assert.deepEqual(api.transform(mapping, payload), { out: 1, deep: { inner: 2 } });
  mapping.deep.more = { "@path": "$.context.ip" };
  assert.deepEqual(api.transform(mapping, payload), { out: 1, deep: { inner: 2, more: "x" } });
  delete mapping.out;
  assert.deepEqual(api.transform(mapping, payload), { deep: { inner: 2, more: "x" } });
  mapping.deep = { "@literal": { x: 1 } };
  assert.deepEqual(api.transform(mapping, payload), { deep: { x: 1 } });
  mapping.deep = { "@liquid": "{{ a }}" };
  assert.throws(() => api.transform(mapping, payload), { code: "invalid_mapping" });
  mapping.deep = { "@path": "$.properties.a" };
  assert.deepEqual(api.transform(mapping, payload), { deep: 1 });
  // Many mappings in turn: each is kept compiled, or compiled again once dropped.
  const many = Array.from({ length: 300 }, (_, i) => ({ v: { "@template": `${i}-{{properties.a}}` } }));
  for (let round = 0; round < 2; round++) {
    many.forEach((m, i) => assert.deepEqual(api.transform(m, payload), { v: `${i}-1` }));
  }
  // The same mapping written inline on every call.
  for (let i = 0; i < 3; i++) assert.deepEqual(api.transform({ v: { "@path": "$.properties.b" } }, payload), { v: 2 });
});

test("compileMapping: the mapping as it was, usable however many are compiled after it", () => {
  const payload = { properties: { a: 1, b: "é" } };
  const mapping = { a: { "@path": "$.properties.a" } };
  const compiled = api.compileMapping(mapping);
  assert.deepEqual(compiled.transform(payload), { a: 1 });
  mapping.a["@path"] = "$.properties.b"; // a later change: transform sees it, the compiled mapping does not
  assert.deepEqual(api.transform(mapping, payload), { a: "é" });
  assert.deepEqual(compiled.transform(payload), { a: 1 });
  for (let i = 0; i < 300; i++) api.compileMapping({ v: { "@template": `${i}` } }).transform({});
  assert.deepEqual(compiled.transform(payload), { a: 1 }, "compiled again once dropped from wasm");
  assert.deepEqual(compiled.transform(), {}, "no payload is {}");
  assert.throws(() => api.compileMapping({ v: { "@liquid": "{{ a }}" } }), { code: "invalid_mapping" });
  assert.throws(() => api.compileMapping({ v: { "@path": 1 } }), (e) => e.code === "invalid_mapping" && e.problems.length > 0);
  const failing = api.compileMapping({ v: { "@case": { operator: "snake", value: { "@path": "$.s" } } } });
  assert.throws(() => failing.transform({ s: "text" }), { code: "mapping_failed" });
  assert.throws(() => failing.transform([]), { code: "mapping_failed" });
  assert.deepEqual(api.compileMapping("ab").transform({}), { 0: "a", 1: "b" }, "a whole mapping that is not an object is spread, as transform does");
});
