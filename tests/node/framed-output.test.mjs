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
// build it (output with non-ASCII text comes out as UTF-16 through Buffer) and as the browser and
// bundler builds do (all output as UTF-8 through TextDecoder).
const require = createRequire(import.meta.url);
const wasm = require("../../pkg/node/segment_bloomreach.js");
const { createApi } = require("../../pkg/node/api.cjs");
const decodeUtf16 = (units) => Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString("utf16le");
const viaUtf16 = createApi(wasm, { decodeUtf16 });
const viaUtf8 = createApi(wasm);

test("output read as UTF-16 (Node) and as UTF-8 (browsers) is the same, non-ASCII in bodies and in the header", () => {
  const accents = { type: "track", userId: "ü-1", event: "Café ☕ 𝄞", properties: { emoji: "😀", "ké": "v" } };
  const rejected = { type: "track", userId: "u", messageId: "bad-é-𝄞" }; // no event name: rejected, named in the header
  const inputs = [
    JSON.stringify({ batch: [accents, rejected, { ...accents, messageId: "m-2" }] }),
    JSON.stringify({ batch: Array.from({ length: 120 }, (_, i) => ({ ...accents, messageId: `m-${i}-é` })) }),
    JSON.stringify([rejected]),
    corpus.file("batch-typical-100.json"),
    corpus.file("batch-small-100.json"), // all ASCII: both take the UTF-8 path
  ];
  for (const text of inputs) {
    const wide = viaUtf16.buildRequestsFromJson(text, corpus.SETTINGS);
    assert.deepEqual(wide, viaUtf8.buildRequestsFromJson(text, corpus.SETTINGS));
    assert.deepEqual(wide, api.buildRequestsFromJson(text, corpus.SETTINGS));
  }
  const result = viaUtf16.buildRequestsFromJson(inputs[0], corpus.SETTINGS);
  assert.deepEqual(result.rejected.map((r) => r.messageId), ["bad-é-𝄞"]);
  assert.equal(JSON.parse(result.requests[0].body).commands[0].data.properties.emoji, "😀");
  assert.equal(wasm.takeWideOutput().length, 0, "the UTF-16 output is handed over once, not kept");
});

test("two wrappers over one wasm, each with its own settings, never map with the other's", () => {
  // The wasm keeps one current set of settings; each wrapper passes its own again only when the
  // wasm's settings generation says another call changed them since.
  const text = JSON.stringify({ type: "track", userId: "u1", event: "Bought", messageId: "m1", timestamp: "2026-01-01T00:00:00Z" });
  const first = { ...corpus.SETTINGS, projectToken: "first-token" };
  const second = { ...corpus.SETTINGS, projectToken: "second-token", exponeaHardId: "email_id" };
  const calls = [
    [viaUtf16, first], [viaUtf8, second], [viaUtf16, first], [viaUtf16, first], [viaUtf8, second], [viaUtf8, second], [viaUtf16, first],
  ];
  for (const [wrapper, settings] of calls) {
    assert.deepEqual(wrapper.buildRequestsFromJson(text, settings), reference.buildRequestsFromJson(text, settings));
    // mapEvent and invalid settings in between, through the other wrapper, must not leak either.
    const other = wrapper === viaUtf16 ? viaUtf8 : viaUtf16;
    other.mapEvent(JSON.parse(text), { ...corpus.SETTINGS, projectToken: "third-token" });
    assert.throws(() => other.buildRequestsFromJson(text, { ...settings, apiKey: "" }), { code: "invalid_settings" });
    assert.deepEqual(wrapper.buildRequests([JSON.parse(text)], settings), reference.buildRequestsFromJson(text, settings));
  }
});
