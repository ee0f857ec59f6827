// The package reads request bodies out of the wasm's framed output (bodies after the envelope,
// sliced by their UTF-16 length): every body comes out whole, non-ASCII and several requests included.
import { test } from "node:test";
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
