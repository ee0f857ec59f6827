// Bad input over HTTP against the Worker in workerd: malformed and non-UTF-8 bodies, bodies over the limit or lying
// about their length, 10,000-deep nesting, every field with a wrong type, 2,500+ events, empty bodies, wrong content
// types, methods and paths. Each gets a 4xx with a stable code and a whole, clear JSON error (or, for a bad event in a
// good batch, 200 with that event rejected); never a 500 or a panic; and the Worker serves the next good request.
// Also: no configured secret in any log line, response body or header; no request can redirect delivery (SSRF).

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import {
  BASE_BINDINGS, PROJECT_TOKEN, basicAuth, catalogSettings, npmPackage, postJson, startWorker, storedCommands, waitFor,
} from "./support.mjs";

const { mapEvent } = npmPackage();
const SETTINGS = catalogSettings();
const WRONG_TYPES = JSON.parse(readFileSync(new URL("../fixtures/robustness/wrong-types.json", import.meta.url), "utf8"));
const NOT_FOUND = {
  error: { code: "not_found", message: "no such route: POST /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias or /webhook; GET /health" },
};
const NOT_JSON_MEDIA = {
  error: { code: "unsupported_media_type", message: "the body must be JSON: send `Content-Type: application/json` (or text/plain, as analytics.js does)" },
};
const EMPTY = { error: { code: "empty_body", message: "the body is empty; send a Segment event or batch as JSON" } };
const TOO_LARGE = { error: { code: "payload_too_large", message: "the body is over 512000 bytes (Segment's limit is 500 KB per request); send smaller batches" } };
const INCOMPLETE = {
  error: { code: "incomplete_body", message: "the body ended before all of it arrived (fewer bytes than `Content-Length`, or the connection was cut); send the whole request again" },
};
const invalidJson = (what, line, column) => ({ error: { code: "invalid_json", message: `the body is not valid JSON: ${what} (line ${line}, column ${column})`, line, column } });
const methodNotAllowed = (allow) => ({ error: { code: "method_not_allowed", message: `this route takes ${allow}` } });
const AUTH = { "content-type": "application/json", authorization: basicAuth() };
const DEEP = 10_000;

let served = 0;
/** The Worker still delivers a good event after whatever came before. */
async function assertStillServes(worker, after) {
  const event = { type: "track", event: "Still Serving", userId: "u-ok", messageId: `still-serving-${++served}` };
  const { status, json } = await worker.dispatch("/v1/track", postJson(event));
  assert.equal(status, 200, `after ${after}`);
  assert.deepEqual(json, { received: 1, delivered: 1, rejected: [], skipped: [], retried: 0 }, `after ${after}`);
  assert.ok(storedCommands(worker.standIn).has(event.messageId), `after ${after}: delivered`);
}

/** No 5xx answered, no panic or uncaught exception printed. */
function assertNoCrash(worker) {
  const lines = worker.logLines("request");
  assert.deepEqual(lines.filter((l) => l.status >= 500), [], "no 5xx");
  const crashes = worker.logs.filter((l) => /panick|RuntimeError|unreachable|Uncaught|internal_error/i.test(l.text));
  assert.deepEqual(crashes.map((l) => l.text), [], "no panic, no uncaught exception");
}

/** Each case: one request; the whole answer (status, JSON, named headers) is checked, then a good request. */
async function checkCases(worker, cases) {
  for (const { name, path = "/v1/batch", init, status, json, headers = {} } of cases) {
    const response = await worker.dispatch(path, init);
    assert.equal(response.status, status, `${name}: ${response.text}`);
    assert.deepEqual(response.json, json, name);
    for (const [header, value] of Object.entries(headers)) assert.equal(response.headers.get(header), value, `${name}: ${header}`);
    if (status >= 400) {
      const line = worker.logLines("request").at(-1);
      assert.equal(line.status, status, `${name}: logged`);
      assert.equal(line.code, json.error.code, `${name}: logged code`);
    }
    await assertStillServes(worker, name);
  }
}

/** One HTTP/1.1 exchange over a raw socket (bytes exactly as given); half-closes after writing unless `keepOpen`. */
function rawExchange(url, text, { keepOpen = false, waitMs = 10_000 } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, timedOut: true });
    }, waitMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, timedOut: false });
    });
    socket.write(text);
    if (!keepOpen) socket.end();
  });
}

/** Status and JSON body of a raw HTTP/1.1 answer. */
function parseRawAnswer(answer) {
  const [head, ...rest] = answer.split("\r\n\r\n");
  const status = Number(head.split(" ")[1]);
  const body = rest.join("\r\n\r\n");
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, head, body, json };
}

function rawPost(path, body, { contentLength = Buffer.byteLength(body), host = "worker.test", extraHeaders = "" } = {}) {
  return `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAuthorization: ${basicAuth()}\r\n${extraHeaders}Content-Length: ${contentLength}\r\nConnection: close\r\n\r\n${body}`;
}

test("malformed JSON, invalid UTF-8, empty bodies: 400 with a stable code and where it broke", async () => {
  const worker = await startWorker();
  try {
    const post = (body, headers = AUTH) => ({ method: "POST", headers, body });
    const badUtf8 = Buffer.concat([Buffer.from('{"batch": [{"type": "track", "event": "'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('", "userId": "u"}]}')]);
    await checkCases(worker, [
      { name: "a stray comma", init: post('{"batch": [ {"type": "track",, }]}'), status: 400, json: invalidJson("key must be a string", 1, 30) },
      { name: "single quotes", init: post("{'batch': []}"), status: 400, json: invalidJson("key must be a string", 1, 2) },
      { name: "trailing garbage", init: post('{"batch":[]} trailing'), status: 400, json: invalidJson("trailing characters", 1, 14) },
      { name: "NaN", init: post('{"batch": [NaN]}'), status: 400, json: invalidJson("expected value", 1, 12) },
      { name: "cut short", init: post('{"batch": ['), status: 400, json: invalidJson("EOF while parsing a list", 1, 11) },
      { name: "a lone surrogate escape", init: post('"\\ud800"'), status: 400, json: invalidJson("unexpected end of hex escape", 1, 8) },
      { name: "a byte-order mark", init: post('\ufeff{"batch": []}'), status: 400, json: invalidJson("expected value", 1, 1) },
      { name: "invalid UTF-8", init: post(badUtf8), status: 400, json: { error: { code: "invalid_json", message: "the body is not UTF-8 text" } } },
      { name: "a JSON string", init: post('"just a string"'), status: 400, json: { error: { code: "invalid_body", message: 'the body must be an event object, an array of events or {"batch": [...]}, got string' } } },
      { name: "null", init: post("null"), status: 400, json: { error: { code: "invalid_body", message: 'the body must be an event object, an array of events or {"batch": [...]}, got null' } } },
      { name: "batch not an array", init: post('{"batch": {}}'), status: 400, json: { error: { code: "invalid_body", message: "`batch` must be an array of events" } } },
      { name: "empty body (single-event route)", path: "/v1/track", init: post(""), status: 400, json: EMPTY },
      { name: "empty body", init: post(""), status: 400, json: EMPTY },
      { name: "whitespace only", init: post(" \n\t "), status: 400, json: EMPTY },
      { name: "no body at all", init: { method: "POST", headers: AUTH }, status: 400, json: EMPTY },
    ]);
    assert.deepEqual(worker.standIn.received.stored.filter((c) => !c.command_id.startsWith("still-serving-")), [], "only the good requests reached Bloomreach");
    assertNoCrash(worker);
  } finally {
    await worker.dispose();
  }
});

test("wrong content type, method or path: 415, 405 (with Allow), 404", async () => {
  const worker = await startWorker();
  try {
    const post = (contentType, body = "{}") => ({ method: "POST", headers: { authorization: basicAuth(), ...(contentType ? { "content-type": contentType } : {}) }, body });
    await checkCases(worker, [
      { name: "form-encoded", path: "/v1/track", init: post("application/x-www-form-urlencoded", "a=b"), status: 415, json: NOT_JSON_MEDIA },
      { name: "XML", init: post("application/xml", "<batch/>"), status: 415, json: NOT_JSON_MEDIA },
      { name: "multipart", init: post("multipart/form-data; boundary=x", "--x--"), status: 415, json: NOT_JSON_MEDIA },
      { name: "NDJSON", init: post("application/x-ndjson"), status: 415, json: NOT_JSON_MEDIA },
      // Bytes without a Content-Type header at all.
      { name: "no content type", init: post(undefined, new TextEncoder().encode("{}")), status: 415, json: NOT_JSON_MEDIA },
      { name: "GET /v1/batch", init: { method: "GET" }, status: 405, json: methodNotAllowed("POST, OPTIONS"), headers: { allow: "POST, OPTIONS" } },
      { name: "PUT /v1/track", path: "/v1/track", init: { method: "PUT", body: "{}" }, status: 405, json: methodNotAllowed("POST, OPTIONS"), headers: { allow: "POST, OPTIONS" } },
      { name: "PATCH /v1/batch", init: { method: "PATCH", body: "{}" }, status: 405, json: methodNotAllowed("POST, OPTIONS") },
      { name: "DELETE /webhook", path: "/webhook", init: { method: "DELETE" }, status: 405, json: methodNotAllowed("POST, OPTIONS"), headers: { allow: "POST, OPTIONS" } },
      { name: "POST /health", path: "/health", init: { method: "POST" }, status: 405, json: methodNotAllowed("GET, HEAD"), headers: { allow: "GET, HEAD" } },
      { name: "PUT /health", path: "/health", init: { method: "PUT", body: "x" }, status: 405, json: methodNotAllowed("GET, HEAD"), headers: { allow: "GET, HEAD" } },
      ...["/v2/anything", "/", "/v1", "/v1/batch/", "/v1/batch/extra", "/V1/BATCH", "/v1/batch;x", "/webhook/x", "/health.json"].map((path) => ({
        name: `POST ${path}`, path, init: postJson({}), status: 404, json: NOT_FOUND,
      })),
      { name: "GET an unknown path", path: "/admin", init: { method: "GET" }, status: 404, json: NOT_FOUND },
    ]);
    assert.deepEqual(worker.standIn.received.stored.filter((c) => !c.command_id.startsWith("still-serving-")), [], "only the good requests reached Bloomreach");
    assertNoCrash(worker);
  } finally {
    await worker.dispose();
  }
});

test("size: an event over 32 KB is rejected alone; over 500 KB is 413 (declared, streamed, or lied about); 2,501 events 400, 2,500 delivered", async () => {
  const worker = await startWorker({ listen: true });
  try {
    const good = { type: "track", event: "Order Completed", userId: "u-1", messageId: "m-small" };
    const big = { type: "track", event: "Big", userId: "u-1", messageId: "m-big", properties: { blob: "x".repeat(33 * 1024) } };
    const oneBig = await worker.dispatch("/v1/batch", postJson({ batch: [big, good] }));
    assert.equal(oneBig.status, 200);
    assert.equal(oneBig.json.delivered, 1);
    assert.equal(oneBig.json.rejected.length, 1);
    assert.equal(oneBig.json.rejected[0].index, 0);
    assert.equal(oneBig.json.rejected[0].code, "invalid_event");
    assert.match(oneBig.json.rejected[0].message, /^event 0: the event is \d+ bytes of JSON; at most 32768 are accepted/);

    const huge = JSON.stringify({ batch: Array.from({ length: 20 }, (_, i) => ({ ...big, messageId: `m-${i}`, properties: { blob: "y".repeat(26 * 1024) } })) });
    assert.ok(huge.length > 500 * 1024);
    const many = JSON.stringify({ batch: Array.from({ length: 2501 }, () => ({})) });
    await checkCases(worker, [
      { name: "over 500 KB", init: postJson(huge), status: 413, json: TOO_LARGE },
      // Without Content-Length (streamed): the bytes actually read are counted.
      { name: "over 500 KB, streamed", init: { method: "POST", headers: AUTH, body: new Blob([huge]).stream(), duplex: "half" }, status: 413, json: TOO_LARGE },
      {
        name: "2,501 events", init: postJson(many), status: 400,
        json: { error: { code: "too_many_events", message: "the body has 2501 events; at most 2500 are accepted in one request" } },
      },
    ]);

    // Bodies that lie about their length (raw HTTP/1.1: fetch would not send a wrong Content-Length).
    const body = JSON.stringify({ batch: [{ ...good, messageId: "m-lying" }] });
    const declaredHuge = parseRawAnswer((await rawExchange(worker.url, rawPost("/v1/batch", body, { contentLength: 10_000_000 }), { keepOpen: true })).answer);
    assert.equal(declaredHuge.status, 413, "declared over the limit: refused before reading");
    assert.deepEqual(declaredHuge.json, TOO_LARGE);
    await assertStillServes(worker, "Content-Length 10 MB");
    const shorter = parseRawAnswer((await rawExchange(worker.url, rawPost("/v1/batch", body, { contentLength: body.length - 5 }))).answer);
    assert.equal(shorter.status, 400, "Content-Length smaller than the body: only that many bytes are the body");
    assert.deepEqual(shorter.json, invalidJson("EOF while parsing a string", 1, body.length - 5));
    await assertStillServes(worker, "Content-Length too small");
    const longer = parseRawAnswer((await rawExchange(worker.url, rawPost("/v1/batch", body, { contentLength: body.length + 50 }))).answer);
    assert.equal(longer.status, 400, "Content-Length larger than the body, then the client closes: the body is cut short");
    assert.deepEqual(longer.json, INCOMPLETE);
    await assertStillServes(worker, "Content-Length too large");
    assert.ok(!storedCommands(worker.standIn).has("m-lying"), "no lying body was delivered");

    // 2,500 small events are accepted and delivered.
    const batch = Array.from({ length: 2500 }, (_, i) => ({ type: "track", event: "E", userId: `u-${i}`, messageId: `m-2500-${i}` }));
    const full = await worker.dispatch("/v1/batch", postJson({ batch }));
    assert.equal(full.status, 200);
    assert.deepEqual(full.json, { received: 2500, delivered: 2500, rejected: [], skipped: [], retried: 0 });
    const stored = storedCommands(worker.standIn);
    assert.ok(batch.every((e) => stored.get(e.messageId)?.length === 1), "every one of the 2,500 arrived once");
    await assertStillServes(worker, "2,500 events");
    assertNoCrash(worker);
  } finally {
    await worker.dispose();
  }
});

test("nesting 10,000 deep: in an event it rejects that event alone; around the events it is 400; unclosed it is invalid JSON", async () => {
  const worker = await startWorker();
  try {
    const deepArray = "[".repeat(DEEP) + "]".repeat(DEEP);
    const deepObject = '{"a":'.repeat(DEEP) + "1" + "}".repeat(DEEP);
    const good = { type: "identify", userId: "u-deep", traits: { plan: "pro" }, messageId: "m-deep-good" };
    const inEvent = `{"batch": [{"type": "track", "event": "Deep", "userId": "u", "messageId": "m-deep", "properties": {"p": ${deepArray}}}, ${JSON.stringify(good)}]}`;
    const { status, json } = await worker.dispatch("/v1/batch", postJson(inEvent));
    assert.equal(status, 200);
    assert.deepEqual(json, {
      received: 2, delivered: 1, skipped: [], retried: 0,
      rejected: [{ index: 0, code: "invalid_event", message: "event 0: the event is nested more than 128 levels deep" }],
    });
    assert.ok(storedCommands(worker.standIn).has("m-deep-good"), "the good event beside it is delivered");
    await assertStillServes(worker, "a deep event");
    const deepObjectEvent = await worker.dispatch("/v1/batch", postJson(`{"batch": [{"type": "track", "event": "Deep", "userId": "u", "properties": ${deepObject}}]}`));
    assert.equal(deepObjectEvent.status, 200);
    assert.equal(deepObjectEvent.json.rejected[0].code, "invalid_event");
    assert.match(deepObjectEvent.json.rejected[0].message, /^event 0: the event is \d+ bytes of JSON; at most 32768 are accepted/, "50 KB of nesting is over the event limit first");
    await assertStillServes(worker, "a deep object event");

    const post = (body) => postJson(body);
    await checkCases(worker, [
      {
        name: "a deep batch context", init: post(`{"batch": [], "context": {"a": ${deepArray}}}`), status: 400,
        json: { error: { code: "invalid_body", message: "the batch's top-level `context` could not be read: recursion limit exceeded at line 1 column 133" } },
      },
      {
        name: "deep batch integrations", init: post(`{"batch": [], "integrations": ${deepObject}}`), status: 400,
        json: { error: { code: "invalid_body", message: "the batch's top-level `integrations` could not be read: recursion limit exceeded at line 1 column 636" } },
      },
      { name: "10,000 unclosed brackets", init: post("[".repeat(DEEP)), status: 400, json: invalidJson("EOF while parsing a list", 1, DEEP) },
    ]);
    assertNoCrash(worker);
  } finally {
    await worker.dispose();
  }
});

test("every field with a wrong type (tests/fixtures/robustness/wrong-types.json): 200, that event rejected with its code, the good ones delivered", async () => {
  const worker = await startWorker();
  try {
    const bases = Object.values(WRONG_TYPES.base);
    let checked = 0;
    for (const [callType, fields] of Object.entries(WRONG_TYPES.reads)) {
      for (const field of fields) {
        const rule = WRONG_TYPES.fields[field];
        for (const wrong of rule.wrong) {
          const label = `${callType}.${field} = ${JSON.stringify(wrong)}`;
          const n = checked++;
          const goods = bases.map((event) => ({ ...event, messageId: `${event.messageId}-${n}` }));
          const bad = { ...WRONG_TYPES.base[callType], messageId: `bad-${n}`, [field]: wrong };
          const batch = [...goods.slice(0, 2), bad, ...goods.slice(2)];
          const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch }));
          assert.equal(status, 200, label);
          assert.equal(json.received, batch.length, label);
          assert.equal(json.delivered, goods.length, `${label}: the good events are delivered`);
          assert.deepEqual(json.skipped, [], label);
          assert.equal(json.rejected.length, 1, `${label}: ${JSON.stringify(json.rejected)}`);
          const [rejection] = json.rejected;
          assert.equal(rejection.index, 2, label);
          assert.equal(rejection.code, rule.code, label);
          const prefix = typeof bad.messageId === "string" ? `event 2 (messageId "${bad.messageId}")` : "event 2";
          assert.ok(rejection.message.startsWith(`${prefix}: `) && rejection.message.length > prefix.length + 10, `${label}: ${rejection.message}`);
          if (typeof bad.messageId === "string") assert.equal(rejection.messageId, bad.messageId, label);
          const stored = storedCommands(worker.standIn);
          for (const event of goods) {
            for (const command of mapEvent(event, SETTINGS)) {
              assert.deepEqual(stored.get(command.command_id), [command], `${label}: ${command.command_id}`);
            }
          }
        }
      }
    }
    assert.ok(checked > 150, `only ${checked} combinations`);
    await assertStillServes(worker, "the wrong types");
    assertNoCrash(worker);
  } finally {
    await worker.dispose();
  }
});

// ------------------------------------------------------------------ secrets

const SECRET = {
  apiKey: "ak-SECRET-7f3a9c41d2e0b5",
  apiSecret: "as-SECRET-b81e44aa90c3f7",
  writeKey: "wk-SECRET-2d9f10e6c8a4b3",
  sharedSecret: "ss-SECRET-c4a7e2f5d1b908",
  bearerToken: "bt-SECRET-91c3f8e27a6d04",
  adminToken: "at-SECRET-5e0b7d93c1f2a8-2c47e91b05d3",
};

/** A secret and the forms it could leak in: URL-encoded, hex, base64/base64url at any alignment (so also inside `base64(key:secret)`). */
function leakForms(secret) {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("hex")]);
  for (let shift = 0; shift < 3; shift++) {
    for (const encoding of ["base64", "base64url"]) {
      const text = Buffer.from("\0".repeat(shift) + secret).toString(encoding);
      // The first group depends on what precedes the secret, the last on what follows: keep the stable middle.
      forms.add(text.slice(shift ? 4 : 0, -4));
    }
  }
  return [...forms];
}

function assertNoSecret(text, where) {
  for (const [name, secret] of Object.entries(SECRET)) {
    for (const form of leakForms(secret)) assert.ok(!text.includes(form), `${where} contains the ${name} (as "${form}")`);
  }
}

test("secrets: no log line, response body or header ever contains a configured secret (nor its base64)", async () => {
  const bindings = {
    BLOOMREACH_API_KEY: SECRET.apiKey,
    BLOOMREACH_API_SECRET: SECRET.apiSecret,
    SEGMENT_WRITE_KEY: SECRET.writeKey,
    SEGMENT_SHARED_SECRET: SECRET.sharedSecret,
    WEBHOOK_BEARER_TOKEN: SECRET.bearerToken,
    ADMIN_TOKEN: SECRET.adminToken,
  };
  const standIn = () => createStandIn({ projectToken: PROJECT_TOKEN, apiKey: SECRET.apiKey, apiSecret: SECRET.apiSecret, log: null });
  const seen = [];
  const record = (where, response) => {
    seen.push({ where, text: `${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${response.text}` });
    return response;
  };
  const basic = (key) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
  const sign = (body, secret) => createHmac("sha1", secret).update(body).digest("hex");
  const track = (messageId) => JSON.stringify({ type: "track", event: "Secretive", userId: "u-s", messageId });
  const workers = [];
  try {
    // Direct mode, valid configuration: right and wrong credentials of every kind.
    const ok = await startWorker({ bindings, standIn: standIn() });
    workers.push(ok);
    const send = async (where, path, body, headers) =>
      record(where, await ok.dispatch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }));
    assert.equal((await send("right write key", "/v1/track", track("s-1"), { authorization: basic(SECRET.writeKey) })).status, 200);
    assert.equal((await send("write key in the body", "/v1/batch", JSON.stringify({ batch: [JSON.parse(track("s-2"))], writeKey: SECRET.writeKey }), {})).status, 200);
    assert.equal((await send("wrong write key", "/v1/track", track("s-3"), { authorization: basic("not-the-key") })).status, 401);
    assert.equal((await send("API key as the write key", "/v1/track", track("s-4"), { authorization: basic(SECRET.apiKey) })).status, 401);
    assert.equal((await send("API secret as the write key in the body", "/v1/track", JSON.stringify({ ...JSON.parse(track("s-5")), writeKey: SECRET.apiSecret }), {})).status, 401);
    assert.equal((await send("write key as a bearer token", "/v1/track", track("s-6"), { authorization: `Bearer ${SECRET.writeKey}` })).status, 401);
    const raw = track("s-7");
    assert.equal((await send("right signature", "/webhook", raw, { "x-signature": sign(raw, SECRET.sharedSecret) })).status, 200);
    assert.equal((await send("bad signature", "/webhook", raw, { "x-signature": sign(raw, SECRET.apiSecret) })).status, 401);
    assert.equal((await send("the shared secret as the signature", "/webhook", raw, { "x-signature": SECRET.sharedSecret })).status, 401);
    assert.equal((await send("right bearer", "/webhook", track("s-8"), { authorization: `Bearer ${SECRET.bearerToken}` })).status, 200);
    assert.equal((await send("wrong bearer", "/webhook", track("s-9"), { authorization: `Bearer ${SECRET.apiKey}` })).status, 401);
    assert.equal((await send("malformed JSON", "/v1/batch", '{"batch": [', { authorization: basic(SECRET.writeKey) })).status, 400);
    assert.equal((await send("an invalid event", "/v1/batch", '{"batch": [{"type": "track"}]}', { authorization: basic(SECRET.writeKey) })).status, 200);
    assert.equal(record("health", await ok.dispatch("/health", { headers: { authorization: `Bearer ${SECRET.adminToken}` } })).status, 200);
    assert.equal(record("preflight", await ok.dispatch("/v1/batch", { method: "OPTIONS" })).status, 204);
    const admin = async (where, token, path = "/admin/dead-letters", init = {}) =>
      record(where, await ok.dispatch(path, { ...init, headers: { authorization: `Bearer ${token}` } }));
    assert.equal((await admin("admin token", SECRET.adminToken)).status, 200);
    assert.equal((await admin("wrong admin token", SECRET.writeKey)).status, 401);
    assert.equal((await admin("admin replay", SECRET.adminToken, "/admin/dead-letters/replay", { method: "POST", body: "{}" })).status, 400);
    assert.ok(ok.standIn.received.requests.every((r) => r.authOk), "the right credentials reached Bloomreach");

    // Bloomreach refuses the Worker's credentials (upstream 401).
    const refused = await startWorker({ bindings: { ...bindings, BLOOMREACH_API_SECRET: `${SECRET.apiSecret}-old` }, standIn: standIn() });
    workers.push(refused);
    const upstream401 = record("upstream 401", await refused.dispatch("/v1/track", postJson(track("s-10"), { authorization: basic(SECRET.writeKey) })));
    assert.equal(upstream401.status, 503);
    assert.match(upstream401.json.pending[0].message, /HTTP 401 from Bloomreach/);

    // Bad configuration: a base URL carrying the API secret, an unreadable flag.
    const badConfig = await startWorker({
      bindings: { ...bindings, BLOOMREACH_API_BASE_URL: `https://user:${SECRET.apiSecret}@api.exponea.com/`, TRACK_SESSION_PING: SECRET.apiKey },
      standIn: standIn(),
    });
    workers.push(badConfig);
    const health = record("bad config /health", await badConfig.dispatch("/health", { headers: { authorization: `Bearer ${SECRET.adminToken}` } }));
    assert.equal(health.status, 503);
    assert.deepEqual(health.json.config.problems.map((p) => p.variable), ["BLOOMREACH_API_BASE_URL", "TRACK_SESSION_PING"]);
    assert.equal(record("bad config ingest", await badConfig.dispatch("/v1/track", postJson(track("s-11"), { authorization: basic(SECRET.writeKey) }))).status, 503);

    // Queue mode: the producer's answer, and the consumer's log lines through a rejection and an upstream 401.
    const queued = await startWorker({
      bindings: { ...bindings, QUEUE_RETRY_MAX_DELAY_SECONDS: "1" }, queue: true, consumer: { maxRetries: 1 },
      standIn: createStandIn({ projectToken: PROJECT_TOKEN, apiKey: SECRET.apiKey, apiSecret: "rotated-away", log: null }),
    });
    workers.push(queued);
    assert.equal(record("queue 202", await queued.dispatch("/v1/track", postJson(track("s-12"), { authorization: basic(SECRET.writeKey) }))).status, 202);
    await waitFor(async () => (await queued.deadLetters()).length === 1, { timeoutMs: 30_000, what: "the dead letters" });
    assert.ok(queued.logLines("delivery").some((l) => l.status === 401));

    for (const worker of workers) {
      assert.ok(worker.logs.length > 0);
      for (const [i, line] of worker.logs.entries()) assertNoSecret(line.text, `log line ${i}`);
      assertNoSecret(JSON.stringify(await worker.deadLetters()), "the dead letters");
    }
    for (const { where, text } of seen) assertNoSecret(text, `the response to "${where}"`);
    // The check itself finds what it looks for.
    assert.throws(() => assertNoSecret(`Authorization: Basic ${Buffer.from(`${SECRET.apiKey}:${SECRET.apiSecret}`).toString("base64")}`, "a probe"));
    assert.throws(() => assertNoSecret(`x${Buffer.from(`${SECRET.writeKey}:`).toString("base64")}`, "a probe"));
  } finally {
    for (const worker of workers) await worker.dispose();
  }
});

// ------------------------------------------------------------------ SSRF

test("no SSRF: no header, body field, query or request target changes where delivery goes", async () => {
  const real = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: BASE_BINDINGS.BLOOMREACH_API_KEY, log: null });
  const outbound = [];
  const standIn = { received: real.received, setFaults: real.setFaults, handle: (request) => (outbound.push(request.url), real.handle(request)) };
  const worker = await startWorker({ listen: true, standIn });
  const expectedUrl = `${BASE_BINDINGS.BLOOMREACH_API_BASE_URL}track/v2/projects/${PROJECT_TOKEN}/batch`;
  try {
    const evil = "http://evil.example/";
    const event = (messageId, extra = {}) => ({ type: "track", event: "Redirect?", userId: "u-ssrf", messageId, ...extra });
    let n = 0;
    const attempts = [
      ["Host", "/v1/track", event("x"), { host: "evil.example" }],
      ["X-Forwarded-Host and friends", "/v1/track", event("x"), {
        "x-forwarded-host": "evil.example", "x-forwarded-proto": "http", "x-forwarded-for": "10.0.0.1", forwarded: "host=evil.example;proto=http",
        "x-original-url": evil, "x-rewrite-url": evil, "x-bloomreach-url": evil, "x-api-base-url": evil,
      }],
      ["body fields", "/v1/batch", {
        batch: [event("x", { apiBaseUrl: evil, url: evil, projectToken: "../../evil", context: { apiBaseUrl: evil } })],
        apiBaseUrl: evil, url: evil, endpoint: evil, host: "evil.example", projectToken: "evil", settings: { apiBaseUrl: evil },
        integrations: { "Bloomreach Engagement": { apiBaseUrl: evil, projectToken: "evil" } },
      }, {}],
      ["query", `/v1/batch?apiBaseUrl=${encodeURIComponent(evil)}&url=${encodeURIComponent(evil)}&projectToken=evil`, { batch: [event("x")] }, {}],
    ];
    for (const [what, path, body, headers] of attempts) {
      const messageId = `ssrf-${++n}`;
      const payload = path.startsWith("/v1/batch") ? { ...body, batch: body.batch.map((e) => ({ ...e, messageId })) } : { ...body, messageId };
      const { status, json } = await worker.dispatch(path, postJson(payload, headers));
      assert.equal(status, 200, what);
      assert.equal(json.delivered, 1, `${what}: delivered`);
    }
    // An absolute URL naming another host as the request's own URL.
    const absolute = await worker.mf.dispatchFetch("http://evil.example/v1/track", postJson(event(`ssrf-${++n}`)));
    assert.equal(absolute.status, 200);
    await absolute.text();
    // Over real HTTP: a Host header naming another host (origin-form), and an absolute-form request target.
    const body = JSON.stringify(event(`ssrf-${++n}`));
    const hostHeader = parseRawAnswer((await rawExchange(worker.url, rawPost("/v1/track", body, { host: "evil.example", extraHeaders: "X-Forwarded-Host: evil.example\r\n" }))).answer);
    assert.equal(hostHeader.status, 200, hostHeader.head);
    const absoluteForm = await rawExchange(worker.url, rawPost("http://evil.example/v1/track", JSON.stringify(event("ssrf-absolute-form")), { host: "evil.example" }));
    // workerd itself refuses an absolute-form target before the Worker runs (see the report); whatever it answers, nothing goes out.
    assert.ok(!absoluteForm.timedOut);
    await assertStillServes(worker, "the SSRF attempts");

    assert.ok(outbound.length >= n + 1);
    assert.deepEqual([...new Set(outbound)], [expectedUrl], "the stand-in saw only the configured URL");
    const stored = storedCommands(standIn);
    for (let i = 1; i <= n; i++) assert.ok(stored.has(`ssrf-${i}`), `ssrf-${i} was delivered there`);
    const workerLines = worker.logLines("request");
    assert.deepEqual(workerLines.filter((l) => l.status >= 500), []);
  } finally {
    await worker.dispose();
  }
});
