// Tests for the local Bloomreach Tracking API stand-in (dev/bloomreach-stand-in.mjs): auth, validation, faults, admin routes, CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createStandIn, mulberry32, normalizeFaults, parseCliOptions } from "../../dev/bloomreach-stand-in.mjs";

const SCRIPT = fileURLToPath(new URL("../../dev/bloomreach-stand-in.mjs", import.meta.url));
const TOKEN = "test-project";
const KEY = "secret-key-123";
const SECRET = "very-secret-456";
const BASE = "https://api.exponea.com";
const BATCH_PATH = `/track/v2/projects/${TOKEN}/batch`;
const TIME_PATH = `/track/v2/projects/${TOKEN}/system/time`;

function makeStandIn(extra = {}) {
  const lines = [];
  const standIn = createStandIn({ projectToken: TOKEN, apiKey: KEY, log: (line) => lines.push(line), ...extra });
  return { standIn, lines };
}

function event(id, overrides = {}) {
  return {
    name: "customers/events",
    command_id: id,
    data: { customer_ids: { registered: `user-${id}` }, event_type: "purchase", timestamp: 1709566376.409, properties: { a: 1 }, ...overrides },
  };
}

function customer(id, overrides = {}) {
  return {
    name: "customers",
    command_id: id,
    data: { customer_ids: { cookie: `anon-${id}` }, properties: { plan: "pro" }, update_timestamp: 1709566376, ...overrides },
  };
}

function batchRequest(commands, { auth = `Token ${KEY}`, path = BATCH_PATH, base = BASE, contentType = "application/json", body } = {}) {
  const headers = {};
  if (auth) headers.authorization = auth;
  if (contentType) headers["content-type"] = contentType;
  return new Request(`${base}${path}`, { method: "POST", headers, body: body ?? JSON.stringify({ commands }) });
}

async function send(standIn, commands, options) {
  const response = await standIn.handle(batchRequest(commands, options));
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { response, status: response.status, text, json };
}

function basic(user, pass) {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}

// ---------------------------------------------------------------- auth, routes

test("Token auth: accepted with the key, rejected when wrong or missing, key never echoed", async () => {
  const { standIn, lines } = makeStandIn();
  const ok = await send(standIn, [event("e1")]);
  assert.equal(ok.status, 200);
  assert.equal(ok.json.success, true);

  for (const auth of [`Token wrong-key`, basic(KEY, SECRET), `Bearer ${KEY}`, null]) {
    const bad = await send(standIn, [event("e2")], { auth });
    assert.equal(bad.status, 401, `auth ${auth}`);
    assert.equal(bad.json.success, false);
    assert.ok(bad.json.errors[0].length > 0);
    assert.ok(!bad.text.includes(KEY));
  }
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["e1"]);
  assert.deepEqual(standIn.received.requests.map((r) => [r.authOk, r.status]), [[true, 200], [false, 401], [false, 401], [false, 401], [false, 401]]);
  assert.equal(lines.length, 5);
  assert.ok(lines.every((line) => !line.includes(KEY)));
});

test("Basic auth: with apiSecret only base64(key:secret) is accepted", async () => {
  const { standIn, lines } = makeStandIn({ apiSecret: SECRET });
  assert.equal((await send(standIn, [event("e1")], { auth: basic(KEY, SECRET) })).status, 200);
  assert.equal((await send(standIn, [event("e2")], { auth: basic(KEY, "nope") })).status, 401);
  assert.equal((await send(standIn, [event("e3")], { auth: `Token ${KEY}` })).status, 401);
  const missing = await send(standIn, [event("e4")], { auth: null });
  assert.equal(missing.status, 401);
  assert.ok(!missing.text.includes(SECRET) && !missing.text.includes(KEY));
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["e1"]);
  assert.ok(lines.every((line) => !line.includes(SECRET) && !line.includes(KEY)));
});

test("routes: unknown path 404, wrong method 405, wrong project token 401, system/time", async () => {
  const { standIn } = makeStandIn();
  const auth = { authorization: `Token ${KEY}` };

  const unknown = await standIn.handle(new Request(`${BASE}/track/v2/projects/${TOKEN}/customers/events`, { method: "POST", headers: auth, body: "{}" }));
  assert.equal(unknown.status, 404);
  assert.deepEqual(Object.keys(await unknown.json()), ["success", "errors"]);
  assert.equal((await standIn.handle(new Request(`${BASE}/nothing`))).status, 404);
  assert.equal((await standIn.handle(new Request(`${BASE}//track/v2/projects/${TOKEN}/batch`, { method: "POST", headers: auth, body: "{}" }))).status, 404);

  const wrongMethod = await standIn.handle(new Request(`${BASE}${BATCH_PATH}`, { headers: auth }));
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST");
  assert.equal((await standIn.handle(new Request(`${BASE}${TIME_PATH}`, { method: "POST", headers: auth, body: "" }))).status, 405);

  const wrongProject = await send(standIn, [event("e1")], { path: "/track/v2/projects/other-project/batch" });
  assert.equal(wrongProject.status, 401);
  assert.equal(wrongProject.json.success, false);
  assert.equal(standIn.received.stored.length, 0);

  const before = Date.now() / 1000;
  const time = await standIn.handle(new Request(`${BASE}${TIME_PATH}`, { headers: auth }));
  assert.equal(time.status, 200);
  const body = await time.json();
  assert.equal(body.success, true);
  assert.equal(typeof body.time, "number");
  assert.ok(body.time >= before - 1 && body.time <= Date.now() / 1000 + 1);
  assert.equal((await standIn.handle(new Request(`${BASE}${TIME_PATH}`))).status, 401);
});

// ---------------------------------------------------------------- request-level validation

test("batch body: content type, invalid JSON, shape and the 50-command limit", async () => {
  const { standIn } = makeStandIn();

  const textPlain = await send(standIn, [event("e1")], { contentType: "text/plain" });
  assert.equal(textPlain.status, 400);
  assert.match(textPlain.json.errors[0], /application\/json/);
  assert.equal((await send(standIn, [event("e1")], { contentType: "application/json; charset=utf-8" })).status, 200);

  const invalid = await send(standIn, null, { body: "{not json" });
  assert.equal(invalid.status, 400);
  assert.deepEqual(invalid.json, { success: false, message: "Invalid JSON" });

  for (const body of ['{"commands": {}}', '{"commands": "x"}', "[]", '{"other": []}', '{"commands": []}']) {
    const bad = await send(standIn, null, { body });
    assert.equal(bad.status, 400, body);
    assert.equal(bad.json.success, false);
  }

  const tooMany = Array.from({ length: 51 }, (_, i) => event(`m${i}`));
  const over = await send(standIn, tooMany);
  assert.equal(over.status, 400);
  assert.match(over.json.errors[0], /Too many commands: 51 \(at most 50/);

  const fifty = await send(standIn, tooMany.slice(0, 50));
  assert.equal(fifty.status, 200);
  assert.equal(fifty.json.results.length, 50);
  assert.ok(fifty.json.results.every((r) => r.success));
  assert.equal(standIn.received.stored.length, 51); // 1 + 50; nothing from the rejected requests
});

// ---------------------------------------------------------------- per-command checks

const BAD_COMMANDS = [
  ["command not an object", "x", /Command must be an object/],
  ["unknown name", { ...event("b"), name: "customers/delete" }, /Unknown command name/],
  ["missing command_id", { name: "customers/events", data: event("b").data }, /command_id must be a non-empty string/],
  ["empty command_id", event(""), /command_id must be a non-empty string/],
  ["numeric command_id", event(7), /command_id must be a non-empty string/],
  ["unknown command key", { ...event("b"), extra: 1 }, /Unknown command key "extra"/],
  ["data not an object", { ...event("b"), data: [] }, /data must be an object/],
  ["no customer_ids", event("b", { customer_ids: undefined }), /At least one id should be specified/],
  ["empty customer_ids", event("b", { customer_ids: {} }), /At least one id should be specified/],
  ["numeric customer id", event("b", { customer_ids: { registered: 42 } }), /customer_ids.registered must be a non-empty string/],
  ["empty customer id", event("b", { customer_ids: { registered: "" } }), /customer_ids.registered/],
  ["missing event_type", event("b", { event_type: undefined }), /event_type must be a non-empty string/],
  ["empty event_type", event("b", { event_type: "" }), /event_type/],
  ["string timestamp", event("b", { timestamp: "2024-03-04T15:32:56Z" }), /timestamp must be a number/],
  ["null timestamp", event("b", { timestamp: null }), /timestamp must be a number/],
  ["event properties array", event("b", { properties: [1] }), /properties must be an object/],
  ["unknown event data key", event("b", { update_timestamp: 1 }), /Unknown key "update_timestamp"/],
  ["customer without properties", customer("b", { properties: undefined }), /properties must be an object/],
  ["customer properties null", customer("b", { properties: null }), /properties must be an object/],
  ["string update_timestamp", customer("b", { update_timestamp: "1" }), /update_timestamp must be a number/],
  ["unknown customer data key", customer("b", { event_type: "x" }), /Unknown key "event_type"/],
  ["customer property over 16 KB", customer("b", { properties: { big: "x".repeat(17000) } }), /under 16 KB/],
];

for (const [label, bad, pattern] of BAD_COMMANDS) {
  test(`per-command check: ${label}`, async () => {
    const { standIn } = makeStandIn();
    // JSON.stringify drops undefined keys, which is how "missing" is expressed above.
    const { status, json } = await send(standIn, [event("good-1"), bad, customer("good-2")]);
    assert.equal(status, 200);
    assert.equal(json.success, true);
    assert.equal(json.results.length, 3);
    assert.equal(json.results[0].success, true);
    assert.equal(json.results[0].command_id, "good-1");
    assert.equal(typeof json.results[0].time, "number");
    assert.equal(json.results[1].success, false);
    assert.ok(json.results[1].errors.some((e) => pattern.test(e)), JSON.stringify(json.results[1].errors));
    assert.equal(json.results[2].success, true);
    assert.equal(json.results[2].command_id, "good-2");
    assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["good-1", "good-2"]);
    assert.equal(standIn.received.requests[0].failed, 1);
  });
}

test("valid commands: optional fields may be absent, stored data is what was sent", async () => {
  const { standIn } = makeStandIn();
  const minimalEvent = { name: "customers/events", command_id: "m1", data: { customer_ids: { registered: "u", cookie: "c" }, event_type: "page_visit" } };
  const minimalCustomer = { name: "customers", command_id: "m2", data: { customer_ids: { registered: "u" }, properties: {} } };
  const { json } = await send(standIn, [minimalEvent, minimalCustomer]);
  assert.deepEqual(json.results.map((r) => [r.success, r.command_id]), [[true, "m1"], [true, "m2"]]);
  assert.ok(json.start_time <= json.end_time);
  assert.deepEqual(standIn.received.stored[0], { ...minimalEvent, requestNumber: 1 });
  assert.deepEqual(standIn.received.stored[1], { ...minimalCustomer, requestNumber: 1 });
});

test("duplicate command_id within one request fails the second; across requests it is stored again", async () => {
  const { standIn } = makeStandIn();
  const { json } = await send(standIn, [event("same"), customer("same"), event("other")]);
  assert.equal(json.results[0].success, true);
  assert.equal(json.results[1].success, false);
  assert.match(json.results[1].errors[0], /Duplicate command_id "same"/);
  assert.equal(json.results[1].command_id, "same");
  assert.equal(json.results[2].success, true);
  await send(standIn, [event("same")]);
  const byId = standIn.received.storedByCommandId();
  assert.equal(byId.get("same").length, 2);
  assert.deepEqual(byId.get("same").map((c) => [c.name, c.requestNumber]), [["customers/events", 1], ["customers/events", 2]]);
});

// ---------------------------------------------------------------- faults through handle()

test("faults 500/503/429 answer the error and store nothing; 429 carries Retry-After", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["500", "503", "429", "none"], retryAfter: 3 } });
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await send(standIn, [event(`f${i}`)]));
  assert.deepEqual(results.map((r) => r.status), [500, 503, 429, 200]);
  assert.equal(results[2].response.headers.get("retry-after"), "3");
  assert.equal(results[0].json.success, false);
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["f3"]);
  assert.deepEqual(standIn.received.requests.map((r) => r.fault), ["500", "503", "429", null]);
  assert.equal(standIn.received.requests[0].commands, 1);
});

test("rateLimit: past N accepted batch requests in a second, 429 with Retry-After: 1 and nothing stored; the script keeps its order", async (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 7_000 });
  const { standIn, lines } = makeStandIn({ faults: { rateLimit: 2, script: ["500"] } });
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await send(standIn, [event(`l${i}`)]));
  t.mock.timers.tick(1_000);
  results.push(await send(standIn, [event("l5")]));
  assert.deepEqual(results.map((r) => r.status), [500, 200, 429, 429, 429, 200]);
  assert.equal(results[2].response.headers.get("retry-after"), "1");
  assert.deepEqual(results[2].json, { success: false, errors: ["Rate limit exceeded"] });
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["l1", "l5"]);
  assert.deepEqual(standIn.received.requests.map((r) => r.fault), ["500", null, "rate-limit", "rate-limit", "rate-limit", null]);
  assert.match(lines[2], /-> 429 commands=1 ok=0 failed=0 fault=rate-limit$/);
  assert.throws(() => normalizeFaults({ rateLimit: 1.5 }), /rateLimit must be a whole number/);
  assert.equal(normalizeFaults({}).rateLimit, 0);
  assert.equal(parseCliOptions(["--rate-limit", "20"], {}).faults.rateLimit, 20);
});

test("idsOnly keeps each stored command's name and command_id but not its data; counts() and GET /__stand-in/counts", async () => {
  const { standIn } = makeStandIn({ idsOnly: true });
  await send(standIn, [event("i1"), customer("i2")]);
  await send(standIn, [event("i1")]);
  assert.deepEqual(standIn.received.stored, [
    { name: "customers/events", command_id: "i1", requestNumber: 1 },
    { name: "customers", command_id: "i2", requestNumber: 1 },
    { name: "customers/events", command_id: "i1", requestNumber: 2 },
  ]);
  assert.deepEqual(standIn.received.counts(), { requests: 2, stored: 3, distinctCommandIds: 2 });
  const counts = await standIn.handle(new Request(`${BASE}/__stand-in/counts`));
  assert.deepEqual(await counts.json(), { requests: 2, stored: 3, distinctCommandIds: 2 });
  assert.equal(parseCliOptions(["--ids-only"], {}).idsOnly, true);
});

test("fault reset: handle() throws a TypeError and nothing is stored", async () => {
  const { standIn, lines } = makeStandIn({ faults: { script: ["reset"] } });
  await assert.rejects(standIn.handle(batchRequest([event("r1")])), (error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /connection reset \(injected\)/);
    return true;
  });
  assert.equal(standIn.received.stored.length, 0);
  assert.equal(standIn.received.requests[0].fault, "reset");
  assert.equal(standIn.received.requests[0].status, null);
  assert.match(lines[0], /connection reset.*fault=reset/);
  assert.equal((await send(standIn, [event("r1")])).status, 200); // the script is used up
});

test("fault slow: stores at once, answers normally after slowMs", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["slow"], slowMs: 150 } });
  const started = Date.now();
  let answered = false;
  const pending = send(standIn, [event("s1"), event("s2")]).finally(() => (answered = true));
  // The commands are stored as the request is read; the answer waits slowMs after that.
  while (standIn.received.stored.length < 2) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["s1", "s2"]);
  assert.equal(answered, false, "stored before the answer");
  assert.equal(standIn.received.requests[0].status, null, "the request is not answered yet");
  const { status, json } = await pending;
  assert.ok(Date.now() - started >= 140);
  assert.equal(status, 200);
  assert.ok(json.results.every((r) => r.success));
  assert.equal(standIn.received.requests[0].fault, "slow");
});

test("fault partial: about a third (at least one) fail with 'injected failure' and are not stored", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["partial", "partial"] } });
  const six = Array.from({ length: 6 }, (_, i) => event(`p${i}`));
  const { status, json } = await send(standIn, six);
  assert.equal(status, 200);
  assert.equal(json.success, true);
  const failed = json.results.filter((r) => !r.success);
  assert.equal(failed.length, 2);
  assert.ok(failed.every((r) => r.errors[0] === "injected failure"));
  const storedIds = standIn.received.stored.map((c) => c.command_id);
  assert.deepEqual(storedIds.sort(), json.results.filter((r) => r.success).map((r) => r.command_id).sort());
  assert.equal(storedIds.length, 4);

  const one = await send(standIn, [event("single")]);
  assert.equal(one.json.results[0].success, false);
  assert.deepEqual(one.json.results[0].errors, ["injected failure"]);
  assert.equal(standIn.received.stored.length, 4);
});

test("fault garbage: answers 200 with a non-JSON body and stores nothing (a proxy error page)", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["garbage"] } });
  const { status, text, json, response } = await send(standIn, [event("g1"), customer("g2")]);
  assert.equal(status, 200);
  assert.equal(json, undefined);
  assert.match(text, /<html>/);
  assert.match(response.headers.get("content-type"), /text\/html/);
  assert.deepEqual(standIn.received.stored, []);
  assert.equal(standIn.received.requests[0].commands, 2);
  assert.equal(standIn.received.requests[0].ok, 0);
  assert.equal(standIn.received.requests[0].fault, "garbage");
});

test("faults apply only to authenticated batch requests on the right project", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["500"] } });
  assert.equal((await send(standIn, [event("a")], { auth: "Token bad" })).status, 401);
  assert.equal((await standIn.handle(new Request(`${BASE}${TIME_PATH}`, { headers: { authorization: `Token ${KEY}` } }))).status, 200);
  assert.equal((await send(standIn, [event("a")], { path: "/track/v2/projects/x/batch" })).status, 401);
  assert.equal((await send(standIn, [event("a")])).status, 500);
  assert.equal((await send(standIn, [event("a")])).status, 200);
});

test("random faults are deterministic for a seed, and follow rate and kinds", async () => {
  async function faultSequence(seed, count = 40) {
    const { standIn } = makeStandIn({ seed, faults: { rate: 0.5, kinds: ["500", "503", "429", "garbage", "partial"] } });
    for (let i = 0; i < count; i++) await send(standIn, [event(`x${i}`)]);
    return standIn.received.requests.map((r) => r.fault);
  }
  const first = await faultSequence(42);
  assert.deepEqual(await faultSequence(42), first);
  assert.notDeepEqual(await faultSequence(7), first);
  const faulted = first.filter(Boolean).length;
  assert.ok(faulted > 8 && faulted < 32, `about half faulted, got ${faulted}`);
  assert.ok(new Set(first.filter(Boolean)).size >= 3);

  const { standIn } = makeStandIn({ faults: { script: ["none", "garbage"], rate: 1, kinds: ["503"] } });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await send(standIn, [event(`y${i}`)])).status);
  assert.deepEqual(statuses, [200, 200, 503, 503, 503]);
  assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["y0"], "garbage stores nothing");

  const rng = mulberry32(1);
  const values = Array.from({ length: 5 }, rng);
  assert.deepEqual(Array.from({ length: 5 }, mulberry32(1)), values);
  assert.ok(values.every((v) => v >= 0 && v < 1));
});

test("setFaults validates its input and received.reset() clears the state", async () => {
  const { standIn } = makeStandIn();
  assert.throws(() => standIn.setFaults({ script: ["explode"] }), /unknown fault "explode"/);
  assert.throws(() => standIn.setFaults({ rate: 2 }), /rate/);
  assert.throws(() => standIn.setFaults({ kinds: ["404"] }), /unknown fault kind/);
  assert.throws(() => standIn.setFaults({ sript: [] }), /unknown faults option/);
  assert.deepEqual(normalizeFaults({}).kinds, ["500", "503", "429", "slow", "reset", "partial", "garbage"]);
  assert.equal(normalizeFaults({}).slowMs, 6000);
  standIn.setFaults({ script: [503] });
  assert.equal((await send(standIn, [event("a")])).status, 503);
  await send(standIn, [event("b")]);
  assert.equal(standIn.received.requests.length, 2);
  standIn.received.reset();
  assert.equal(standIn.received.requests.length, 0);
  assert.equal(standIn.received.stored.length, 0);
  await send(standIn, [event("c")]);
  assert.equal(standIn.received.requests[0].number, 1);
});

test("log: one line per tracking request with method, path, status, counts and fault", async () => {
  const { standIn, lines } = makeStandIn({ faults: { script: ["partial"] } });
  await send(standIn, [event("l1"), event("l2", { event_type: "" }), event("l3")]);
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes("\n"));
  assert.match(lines[0], /^#1 POST \/track\/v2\/projects\/test-project\/batch -> 200 commands=3 ok=1 failed=2 fault=partial \[purchase x1\] failures: /);
  const quiet = createStandIn({ projectToken: TOKEN, apiKey: KEY, log: null });
  assert.equal((await send(quiet, [event("q")])).status, 200);

  const verbose = makeStandIn({ verbose: true });
  await send(verbose.standIn, [event("v1")]);
  assert.equal(verbose.lines.length, 2);
  assert.match(verbose.lines[0], /^#1 POST .* -> 200/);
  assert.deepEqual(JSON.parse(verbose.lines[1]), { commands: [event("v1")] });
});

// ---------------------------------------------------------------- over a real socket

test("listen(): batches over HTTP, reset drops the connection, slow times the client out after storing", async () => {
  const { standIn } = makeStandIn();
  const { url } = await standIn.listen({ port: 0 });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const post = (commands, signal) => fetch(`${url}${BATCH_PATH}`, {
      method: "POST",
      headers: { authorization: `Token ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ commands }),
      signal,
    });

    const ok = await post([event("h1")]);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).results[0].command_id, "h1");

    standIn.setFaults({ script: ["reset", "slow", "429"], slowMs: 400, retryAfter: 2 });
    await assert.rejects(post([event("h2")]), TypeError);

    // A client that gives up on the slow answer is not kept waiting for it; the commands are saved.
    await assert.rejects(post([event("h3")], AbortSignal.timeout(100)), (error) => error.name === "TimeoutError");

    const limited = await post([event("h4")]);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "2");

    assert.deepEqual(standIn.received.stored.map((c) => c.command_id), ["h1", "h3"]);
    assert.deepEqual(standIn.received.requests.map((r) => [r.fault, r.status]), [[null, 200], ["reset", null], ["slow", 200], ["429", 429]]);

    const wrong = await fetch(`${url}${BATCH_PATH}`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(wrong.status, 401);
  } finally {
    await standIn.close();
  }
});

test("listen(): a slow answer arrives whole when the client waits", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["slow"], slowMs: 200 } });
  const { url } = await standIn.listen();
  try {
    const started = Date.now();
    const response = await fetch(`${url}${BATCH_PATH}`, {
      method: "POST",
      headers: { authorization: `Token ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ commands: [event("w1")] }),
    });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).results[0].success, true);
    assert.ok(Date.now() - started >= 190);
  } finally {
    await standIn.close();
  }
});

test("admin routes over HTTP: received, faults, reset", async () => {
  const { standIn } = makeStandIn({ faults: { script: ["503"] } });
  const { url } = await standIn.listen();
  try {
    const post = (path, body, headers = { "content-type": "application/json" }) => fetch(`${url}${path}`, { method: "POST", headers, body });
    assert.equal((await post(BATCH_PATH, JSON.stringify({ commands: [event("a1")] }), { authorization: `Token ${KEY}`, "content-type": "application/json" })).status, 503);
    assert.equal((await post(BATCH_PATH, JSON.stringify({ commands: [event("a2")] }), { authorization: `Token ${KEY}`, "content-type": "application/json" })).status, 200);

    const received = await (await fetch(`${url}/__stand-in/received`)).json();
    assert.deepEqual(received.requests.map((r) => [r.status, r.fault, r.commands]), [[503, "503", 1], [200, null, 1]]);
    assert.deepEqual(received.stored.map((c) => [c.command_id, c.requestNumber]), [["a2", 2]]);
    assert.ok(!JSON.stringify(received).includes(KEY));

    const setFaults = await post("/__stand-in/faults", JSON.stringify({ script: ["429", "garbage"], retryAfter: 5 }));
    assert.equal(setFaults.status, 200);
    assert.deepEqual((await setFaults.json()).faults.script, ["429", "garbage"]);
    assert.deepEqual((await (await fetch(`${url}/__stand-in/faults`)).json()).faults.script, ["429", "garbage"]);
    assert.equal((await post("/__stand-in/faults", JSON.stringify({ script: ["boom"] }))).status, 400);
    assert.equal((await post("/__stand-in/faults", "{bad")).status, 400);
    const limited = await post(BATCH_PATH, JSON.stringify({ commands: [event("a3")] }), { authorization: `Token ${KEY}`, "content-type": "application/json" });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "5");

    const reset = await post("/__stand-in/reset", "");
    assert.equal(reset.status, 200);
    assert.deepEqual((await reset.json()).faults.script, ["503"], "reset restores the start-up faults");
    const after = await (await fetch(`${url}/__stand-in/received`)).json();
    assert.deepEqual(after, { requests: [], stored: [] });
    assert.equal((await fetch(`${url}/__stand-in/nope`)).status, 404);
  } finally {
    await standIn.close();
  }
});

// ---------------------------------------------------------------- CLI

test("CLI options: flags win over env vars, env over defaults", () => {
  const defaults = parseCliOptions([], {});
  assert.equal(defaults.port, 8788);
  assert.equal(defaults.host, "127.0.0.1");
  assert.equal(defaults.projectToken, "local-project");
  assert.equal(defaults.apiKey, "local-api-key");
  assert.equal(defaults.apiSecret, undefined);
  assert.equal(defaults.faults.rate, 0);

  const env = { BLOOMREACH_PROJECT_TOKEN: "env-proj", BLOOMREACH_API_KEY: "env-key", BLOOMREACH_API_SECRET: "env-secret", STAND_IN_PORT: "9000" };
  const fromEnv = parseCliOptions([], env);
  assert.deepEqual([fromEnv.projectToken, fromEnv.apiKey, fromEnv.apiSecret, fromEnv.port], ["env-proj", "env-key", "env-secret", 9000]);

  const flags = parseCliOptions(["--port", "1234", "--project-token", "flag-proj", "--api-key", "flag-key", "--fault-rate", "0.3", "--faults", "500,429", "--slow-ms", "10", "--quiet"], env);
  assert.deepEqual([flags.port, flags.projectToken, flags.apiKey, flags.quiet], [1234, "flag-proj", "flag-key", true]);
  assert.deepEqual([flags.faults.rate, flags.faults.kinds, flags.faults.slowMs], [0.3, ["500", "429"], 10]);
  assert.throws(() => parseCliOptions(["--faults", "500,teapot"], {}), /unknown fault kind/);
  assert.throws(() => parseCliOptions(["--port", "abc"], {}), /--port must be a number/);
});

test("CLI: prints the start line, serves, prints batches, exits cleanly on SIGTERM", async () => {
  const child = spawn(process.execPath, [SCRIPT, "--port", "0", "--api-key", "cli-key", "--fault-script", "none,500"], {
    env: { ...process.env, BLOOMREACH_PROJECT_TOKEN: "cli-project" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => (output += chunk));
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line: ${output}`)), 10000);
      child.stdout.on("data", () => {
        const match = /^Bloomreach stand-in listening on (http:\/\/127\.0\.0\.1:\d+) \(project cli-project\)$/m.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const post = () => fetch(`${url}/track/v2/projects/cli-project/batch`, {
      method: "POST",
      headers: { authorization: "Token cli-key", "content-type": "application/json" },
      body: JSON.stringify({ commands: [event("c1")] }),
    });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 500);
    const received = await (await fetch(`${url}/__stand-in/received`)).json();
    assert.deepEqual(received.stored.map((c) => c.command_id), ["c1"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(output, /#1 POST \/track\/v2\/projects\/cli-project\/batch -> 200 commands=1 ok=1 failed=0 \[purchase x1\]/);
    assert.match(output, /#2 .* -> 500 .*fault=500/);
    assert.ok(!output.includes("cli-key"));
  } finally {
    child.kill("SIGTERM");
  }
  const [code, signal] = await once(child, "exit");
  assert.equal(code, 0, `exit code (signal ${signal})`);
});
