// The package reads request bodies out of the wasm's framed output (bodies after the envelope,
// sliced by their UTF-16 length): every body comes out whole, non-ASCII and several requests included.
import { test } from "node:test";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import * as api from "../../pkg/node/index.mjs";
import * as reference from "../../benches/js/reference.mjs";
import * as corpus from "../../benches/corpus.mjs";

const parsedBodies = (result) => result.requests.map((r) => JSON.parse(r.body));

test("framed bodies are sliced whole: non-ASCII, astral characters, several requests", async (t) => {
  const accents = { type: "track", userId: "ü-1", event: "Café ☕ 𝄞", properties: { emoji: "😀", nested: { "ké": "v" } } };
  const events = Array.from({ length: 120 }, (_, i) => ({ ...accents, messageId: `m-${i}-é` }));
  const inputs = [
    ["non-ASCII", JSON.stringify([accents, { ...accents, messageId: "m-2" }]), corpus.SETTINGS],
    ["non-ASCII, 3 requests", JSON.stringify({ batch: events }), corpus.SETTINGS],
    ["batch-small-100.json", corpus.file("batch-small-100.json"), corpus.SETTINGS],
  ];
  for (const [name, text, settings] of inputs) {
    await t.test(name, () => {
      const result = api.buildRequestsFromJson(text, settings);
      for (const request of result.requests) {
        assert.equal(Object.hasOwn(request, "bodyLength"), false);
        assert.match(request.body, /^\{"commands":\[.*\]\}$/s);
      }
      assert.deepEqual(parsedBodies(result), parsedBodies(reference.buildRequestsFromJson(text, settings)));
      assert.deepEqual(parsedBodies(api.buildRequests(JSON.parse(text).batch ?? JSON.parse(text), settings)), parsedBodies(result));
    });
  }
});

test("an error is not framed", () => {
  assert.throws(() => api.buildRequestsFromJson("{", corpus.SETTINGS), { code: "invalid_json" });
  assert.throws(() => api.buildRequestsFromJson("[]", { apiKey: 1 }), { code: "invalid_settings" });
});

test("settings reused from the last call are replaced as soon as they change", () => {
  // The wasm keeps the last settings it validated, keyed by their JSON text: a changed or invalid
  // setting must take effect on the very next call, and switching back must work too.
  const text = JSON.stringify({ type: "track", userId: "u1", event: "Bought", messageId: "m1", timestamp: "2026-01-01T00:00:00Z" });
  const other = { ...corpus.SETTINGS, apiBaseUrl: "https://eu.example.test", projectToken: "other-token", exponeaHardId: "email_id" };
  const settingsCalls = [corpus.SETTINGS, other, corpus.SETTINGS, other, other, corpus.SETTINGS];
  for (const settings of settingsCalls) {
    assert.deepEqual(api.buildRequestsFromJson(text, settings), reference.buildRequestsFromJson(text, settings));
  }
  assert.throws(() => api.buildRequestsFromJson(text, { ...corpus.SETTINGS, apiKey: "" }), { code: "invalid_settings" });
  assert.deepEqual(api.buildRequestsFromJson(text, corpus.SETTINGS), reference.buildRequestsFromJson(text, corpus.SETTINGS));
  const mutable = { ...corpus.SETTINGS };
  api.buildRequestsFromJson(text, mutable);
  mutable.projectToken = "mutated-token";
  assert.match(api.buildRequestsFromJson(text, mutable).requests[0].url, /\/mutated-token\/batch$/);
  // The wrapper also keeps the last settings object's JSON text: every way the same object can
  // come to stringify differently must be seen.
  mutable.apiBaseUrl = "https://added.example.test"; // a new key
  assert.match(api.buildRequestsFromJson(text, mutable).requests[0].url, /^https:\/\/added\.example\.test\//);
  delete mutable.apiBaseUrl; // a removed key
  assert.match(api.buildRequestsFromJson(text, mutable).requests[0].url, /^https:\/\/api\.exponea\.com\//);
  let token = 0;
  const changing = { ...corpus.SETTINGS };
  Object.defineProperty(changing, "projectToken", { enumerable: true, get: () => `token-${++token}` });
  assert.match(api.buildRequestsFromJson(text, changing).requests[0].url, /\/token-\d+\/batch$/);
  const second = api.buildRequestsFromJson(text, changing).requests[0].url;
  assert.match(second, /\/token-\d+\/batch$/);
  assert.notEqual(second, api.buildRequestsFromJson(text, changing).requests[0].url, "a getter is read on every call");
  const withToJson = { ...corpus.SETTINGS, toJSON: () => ({ ...corpus.SETTINGS, projectToken: "from-tojson" }) };
  assert.match(api.buildRequestsFromJson(text, withToJson).requests[0].url, /\/from-tojson\/batch$/);
  assert.throws(() => api.buildRequestsFromJson(text, null), { code: "invalid_settings" });
  assert.throws(() => api.buildRequestsFromJson(text, null), { code: "invalid_settings" });
});

test("each request gets its own headers object: changing one changes no other request or later call", () => {
  const text = corpus.file("batch-small-100.json");
  const first = api.buildRequestsFromJson(text, corpus.SETTINGS);
  assert.ok(first.requests.length >= 2);
  const pristine = structuredClone(first.requests[1].headers);
  first.requests[0].headers.Authorization = "Basic tampered";
  first.requests[0].headers["X-Extra"] = "1";
  assert.deepEqual(first.requests[1].headers, pristine);
  const again = api.buildRequestsFromJson(text, corpus.SETTINGS);
  for (const request of again.requests) assert.deepEqual(request.headers, pristine);
});

// The package's wasm glue and wrapper, built twice over one wasm instance: as Node's entry points
// build it (bodies in as ASCII or UTF-16, output with non-ASCII text out as Latin-1 or UTF-16,
// through Buffer) and as the browser and bundler builds do (UTF-8 both ways).
const require = createRequire(import.meta.url);
const wasm = require("../../pkg/node/segment_bloomreach.js");
const { createApi } = require("../../pkg/node/api.cjs");
const viaBuffer = createApi(wasm, { Buffer });
const viaUtf8 = createApi(wasm);

test("text crosses the same through Buffer (Node) and as UTF-8 (browsers): ASCII, Latin-1, astral, lone surrogates", () => {
  const latin1 = { type: "track", userId: "ü-1", event: "Café", properties: { "ké": "ÿ\u0080", price: 1 } };
  const wider = { type: "track", userId: "u-2", event: "Café ☕ 𝄞", properties: { emoji: "😀", cjk: "中文" } };
  const rejected = { type: "track", userId: "u", messageId: "bad-é" }; // no event name: rejected, named in the header
  const rejectedWide = { type: "track", userId: "u", messageId: "bad-𝄞" };
  const lone = { type: "track", userId: "u-3", event: "Lone \ud800 surrogate", properties: { low: "x\udc00y" } };
  const inputs = [
    JSON.stringify({ batch: [latin1, rejected, { ...latin1, messageId: "m-2" }] }), // Latin-1 output
    JSON.stringify({ batch: [latin1, wider, rejectedWide] }), // UTF-16 output
    JSON.stringify({ batch: Array.from({ length: 120 }, (_, i) => ({ ...latin1, messageId: `m-${i}-é` })) }),
    JSON.stringify([rejected]),
    JSON.stringify([lone]), // escaped in JSON: stays escaped text
    `[${JSON.stringify(lone).replace(/\\ud800/, "\ud800").replace(/\\udc00/, "\udc00")}]`, // raw lone surrogates in the string
    corpus.file("batch-typical-100.json"),
    corpus.file("batch-small-100.json"), // all ASCII
  ];
  for (const text of inputs) {
    const node = viaBuffer.buildRequestsFromJson(text, corpus.SETTINGS);
    assert.deepEqual(node, viaUtf8.buildRequestsFromJson(text, corpus.SETTINGS));
    assert.deepEqual(node, api.buildRequestsFromJson(text, corpus.SETTINGS));
    const events = JSON.parse(text);
    assert.deepEqual(viaBuffer.buildRequests(events.batch ?? events, corpus.SETTINGS), viaUtf8.buildRequests(events.batch ?? events, corpus.SETTINGS));
  }
  const first = viaBuffer.buildRequestsFromJson(inputs[0], corpus.SETTINGS);
  assert.deepEqual(first.rejected.map((r) => r.messageId), ["bad-é"]);
  assert.deepEqual(JSON.parse(first.requests[0].body).commands[0].data.properties["ké"], "ÿ\u0080");
  const second = viaBuffer.buildRequestsFromJson(inputs[1], corpus.SETTINGS);
  assert.deepEqual(second.rejected.map((r) => r.messageId), ["bad-𝄞"]);
  assert.equal(JSON.parse(second.requests[0].body).commands[1].data.properties.emoji, "😀");
  const raw = viaBuffer.buildRequestsFromJson(inputs[5], corpus.SETTINGS);
  assert.equal(JSON.parse(raw.requests[0].body).commands[0].data.properties.low, "x\ufffdy", "a lone surrogate becomes U+FFFD, as TextEncoder makes it");
});

test("a long body after a short one, and a short one after a long one, come out whole", () => {
  // The wasm keeps its body and output buffers from call to call (growing its memory for a longer
  // one, which the wrapper must look up again); stale bytes must never show. 1.7 MB is past the
  // size the UTF-8 path encodes in place.
  const long = corpus.file("batch-typical-100.json");
  const longer = corpus.file("batch-large-100.json");
  const short = JSON.stringify({ type: "track", userId: "é", event: "E", messageId: "m" });
  for (const wrapper of [viaUtf8, viaBuffer]) {
    for (const text of [short, long, short, long.replace(/[^\x00-\x7f]/gu, "?"), short, longer, short]) {
      assert.deepEqual(parsedBodies(wrapper.buildRequestsFromJson(text, corpus.SETTINGS)), parsedBodies(reference.buildRequestsFromJson(text, corpus.SETTINGS)));
    }
  }
});

test("two wrappers over one wasm, each with its own settings, never map with the other's", () => {
  // The wasm keeps one current set of settings; each wrapper passes its own again only when the
  // wasm's settings generation says another call changed them since.
  const text = JSON.stringify({ type: "track", userId: "u1", event: "Bought", messageId: "m1", timestamp: "2026-01-01T00:00:00Z" });
  const first = { ...corpus.SETTINGS, projectToken: "first-token" };
  const second = { ...corpus.SETTINGS, projectToken: "second-token", exponeaHardId: "email_id" };
  const calls = [
    [viaBuffer, first], [viaUtf8, second], [viaBuffer, first], [viaBuffer, first], [viaUtf8, second], [viaUtf8, second], [viaBuffer, first],
  ];
  for (const [wrapper, settings] of calls) {
    assert.deepEqual(wrapper.buildRequestsFromJson(text, settings), reference.buildRequestsFromJson(text, settings));
    // mapEvent and invalid settings in between, through the other wrapper, must not leak either.
    const other = wrapper === viaBuffer ? viaUtf8 : viaBuffer;
    other.mapEvent(JSON.parse(text), { ...corpus.SETTINGS, projectToken: "third-token" });
    assert.throws(() => other.buildRequestsFromJson(text, { ...settings, apiKey: "" }), { code: "invalid_settings" });
    assert.deepEqual(wrapper.buildRequests([JSON.parse(text)], settings), reference.buildRequestsFromJson(text, settings));
  }
});
