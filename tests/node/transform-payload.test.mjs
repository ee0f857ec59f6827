// transform sends the wasm only what the mapping reads of the payload (the members its paths and
// templates name): the output must be what actions-core's transform gives on the whole payload,
// whatever the payload holds where the mapping does not look.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as api from "../../pkg/node/index.mjs";

const require = createRequire(import.meta.url);
const reference = require("@segment/actions-core").transform;

/** Our transform and actions-core's agree (as JSON writes them). */
function same(mapping, payload) {
  const ours = api.transform(mapping, payload);
  assert.deepEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(JSON.stringify(reference(mapping, payload))));
  return ours;
}

test("members read through plain objects, arrays, strings and falsy values", () => {
  const payload = {
    properties: { a: 1, list: [{ sku: "x", n: 2 }, { sku: "y" }], name: "abc", zero: 0, empty: "", nil: null, nested: { deep: { v: true } } },
    context: { page: { path: "/p", url: "u" }, ip: "1.2.3.4" },
    other: { big: "ignored" },
  };
  same({ a: { "@path": "$.properties.a" }, deep: { "@path": "$.properties.nested.deep.v" } }, payload);
  same({ sku: { "@path": "$.properties.list.0.sku" }, n: { "@path": "$.properties.list.length" }, c: { "@path": "$.properties.name.1" } }, payload);
  same({ len: { "@path": "$.properties.name.length" }, z: { "@path": "$.properties.zero.x" }, e: { "@path": "$.properties.empty.length" } }, payload);
  same({ n: { "@path": "$.properties.nil.x" }, missing: { "@path": "$.properties.nothing.here" } }, payload);
  same({ t: { "@template": "{{context.page.path}} on {{properties.name}} ({{properties.list}})" } }, payload);
  same({ each: { "@arrayPath": ["$.properties.list", { s: { "@path": "$.sku" } }] } }, payload);
  same({ all: { "@path": "$." } }, payload); // the whole payload ("$" alone is the member "$")
  same({ all: { "@path": "" } }, payload);
  same({ obj: { "@path": "$.context" }, page: { "@path": "$.context.page" } }, payload);
  same({ tr: { "@transform": { apply: { p: { "@path": "$.properties.nested" } }, mapping: { v: { "@path": "$.p.deep.v" } } } } }, payload);
  same({ dyn: { "@path": { "@template": "$.properties.{{properties.name}}" } } }, { properties: { name: "a", a: 7 } });
  same({ triple: { "@template": "{{{properties.t}}}" } }, { properties: { t: "{{context.x}}" }, context: { x: "read again" } });
  same({ m: { "@merge": { objects: [{ "@path": "$.properties.nested" }, { "@path": "$.context.page" }], direction: "right" } } }, payload);
  same({ j: { "@json": { mode: "encode", value: { "@path": "$.properties.list" } } } }, payload);
  same({ f: { "@flatten": { value: { "@path": "$.context" }, separator: "." } } }, payload);
  same({ i: { "@if": { exists: { "@path": "$.other.big" }, then: { "@path": "$.properties.a" }, else: "no" } } }, payload);
});

test("what the mapping does not read is not written into JSON: a BigInt, a cycle, a throwing toJSON there do no harm", () => {
  const cyclic = { x: 1 };
  cyclic.self = cyclic;
  const payload = { properties: { a: 1 }, big: 10n, cyclic, bad: { toJSON: () => { throw new Error("no"); } } };
  assert.deepEqual(api.transform({ a: { "@path": "$.properties.a" } }, payload), { a: 1 });
  assert.deepEqual(reference({ a: { "@path": "$.properties.a" } }, payload), { a: 1 });
  // Where the mapping does read them, they cannot be sent.
  assert.throws(() => api.transform({ b: { "@path": "$.big" } }, payload), { code: "mapping_failed" });
  assert.throws(() => api.transform({ all: { "@path": "$." } }, payload), { code: "mapping_failed" });
});

test("values JSON writes otherwise than they read are sent whole, as JSON writes them", () => {
  const withToJson = { properties: { toJSON: () => ({ a: "from toJSON" }), a: "own" } };
  assert.deepEqual(api.transform({ a: { "@path": "$.properties.a" } }, withToJson), { a: "from toJSON" });
  assert.deepEqual(api.transform({ d: { "@path": "$.at.x" } }, { at: new Date(0) }), {}, "a Date is its ISO string: no member x");
  assert.deepEqual(api.transform({ d: { "@path": "$.at.length" } }, { at: new Date(0) }), { d: 24 });
  assert.deepEqual(api.transform({ s: { "@path": "$.boxed.length" } }, { boxed: new String("abc") }), { s: 3 });
  class Product {
    constructor() {
      this.sku = "s-1";
    }
    get computed() {
      return "inherited getter";
    }
  }
  assert.deepEqual(api.transform({ sku: { "@path": "$.p.sku" }, c: { "@path": "$.p.computed" } }, { p: new Product() }), { sku: "s-1" });
  const hidden = { properties: {} };
  Object.defineProperty(hidden.properties, "secret", { value: "not enumerable", enumerable: false });
  Object.defineProperty(hidden.properties, "shown", { value: "enumerable", enumerable: true });
  assert.deepEqual(api.transform({ s: { "@path": "$.properties.secret" }, t: { "@path": "$.properties.shown" } }, hidden), { t: "enumerable" });
  let reads = 0;
  const counted = { get properties() { reads++; return { a: 1 }; } };
  assert.deepEqual(api.transform({ a: { "@path": "$.properties.a" } }, counted), { a: 1 });
  assert.equal(reads, 1, "a getter the mapping reads is read once");
  const withProto = JSON.parse('{"__proto__": {"x": 1}, "properties": {"__proto__": {"y": 2}, "a": 3}}');
  assert.deepEqual(api.transform({ x: { "@path": "$.__proto__.x" }, y: { "@path": "$.properties.__proto__.y" }, a: { "@path": "$.properties.a" } }, withProto), { x: 1, y: 2, a: 3 });
  const nullProto = Object.assign(Object.create(null), { properties: Object.assign(Object.create(null), { a: "bare" }) });
  assert.deepEqual(api.transform({ a: { "@path": "$.properties.a" } }, nullProto), { a: "bare" });
});

test("a payload that is not an object is refused as before", () => {
  for (const payload of [[], "text", 3, null]) {
    assert.throws(() => api.transform({ a: { "@path": "$.a" } }, payload), { code: "mapping_failed" });
  }
  assert.deepEqual(api.transform({ a: "literal" }), { a: "literal" });
});

// The wrapper built as the browser and bundler builds build it (UTF-8 both ways, no Buffer) over
// the same wasm instance: payloads and outputs of every width cross alike.
test("transform: payloads and outputs cross the same through Buffer (Node) and as UTF-8 (browsers)", () => {
  const wasm = require("../../pkg/node/segment_bloomreach.js");
  const { createApi } = require("../../pkg/node/api.cjs");
  const viaBuffer = createApi(wasm, { Buffer });
  const viaUtf8 = createApi(wasm);
  const mapping = { name: { "@path": "$.properties.name" }, shout: { "@case": { operator: "upper", value: { "@path": "$.properties.name" } } }, t: { "@template": "{{properties.name}}/{{event}}" } };
  // (A lone surrogate in what the mapping reads is refused: serde_json reads no such escape.)
  for (const name of ["ascii", "Café crème", "ÿ\u0080", "☕ 中文 😀", "𝄞"]) {
    const payload = { event: "Viewed é", properties: { name, other: "😀".repeat(100) } };
    const expected = JSON.parse(JSON.stringify(reference(mapping, payload), (_k, v) => (typeof v === "string" ? v.toWellFormed() : v)));
    assert.deepEqual(viaBuffer.transform(mapping, payload), expected, name);
    assert.deepEqual(viaUtf8.transform(mapping, payload), expected, name);
    assert.deepEqual(viaUtf8.compileMapping(mapping).transform(payload), expected, name);
  }
});
