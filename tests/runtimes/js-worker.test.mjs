// The example JavaScript Worker (examples/js-worker/) as a user runs it: the folder copied, the
// packed package installed, `wrangler dev` (real workerd), Bloomreach played by the local stand-in.
// What the stand-in stores must be exactly what the package maps in Node, request by request.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRequire } from "node:module";
import { ROOT, makeApp, packPackage, removeDir, startWranglerDev } from "./support.mjs";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";

const PROJECT_TOKEN = "local-project";
const API_KEY = "local-api-key";
const scratch = packPackage();
const standIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
let worker;
let node; // the same package, installed in the same app, as Node loads it: the expected mapping
let settings;

const batch = {
  batch: [
    ...Array.from({ length: 55 }, (_, i) => ({ type: "track", messageId: `m-${i}`, userId: `user-${i % 4}`, event: "Order Completed", properties: { revenue: i, note: "Café 🚀" }, timestamp: `2024-03-04T15:32:${String(i % 60).padStart(2, "0")}.409Z` })),
    { type: "identify", messageId: "m-who", traits: { plan: "pro" } },
    { type: "page", messageId: "m-off", anonymousId: "a-1", integrations: { "Bloomreach Engagement": false } },
  ],
};

before(async () => {
  const app = makeApp(scratch.dir, "js-worker", scratch.tarball, { from: join(ROOT, "examples/js-worker") });
  node = createRequire(join(app, "package.json"))("segment-bloomreach");
  const { url } = await standIn.listen({ port: 0, host: "127.0.0.1" });
  const vars = { BLOOMREACH_API_BASE_URL: `${url}/`, BLOOMREACH_PROJECT_TOKEN: PROJECT_TOKEN, BLOOMREACH_API_KEY: API_KEY };
  settings = { apiBaseUrl: vars.BLOOMREACH_API_BASE_URL, apiKey: API_KEY, projectToken: PROJECT_TOKEN, exponeaHardId: "registered", exponeaSoftId: "cookie" };
  worker = await startWranglerDev(app, { vars });
});

after(async () => {
  await worker?.stop();
  await standIn.close();
  removeDir(scratch.dir);
});

const post = (body) => fetch(worker.url, { method: "POST", headers: { "Content-Type": "application/json" }, body });

test("a Segment batch is mapped and delivered: the stand-in stores what the package maps in Node", async () => {
  standIn.received.reset();
  const text = JSON.stringify(batch);
  const expected = node.buildRequestsFromJson(text, settings);
  assert.equal(expected.requests.length, 2, "55 commands make two requests");
  const response = await post(text);
  const answer = await response.json();
  assert.equal(response.status, 200, `${JSON.stringify(answer)}\n${worker.output()}`);
  const commands = expected.requests.map((request) => JSON.parse(request.body).commands);
  assert.deepEqual(answer, {
    outcomes: commands.flat().map((command) => ({ commandId: command.command_id, outcome: "delivered" })),
    rejected: expected.rejected,
    skipped: expected.skipped,
  });
  assert.deepEqual(answer.rejected.map((r) => r.code), ["missing_identity"]);
  assert.deepEqual(answer.skipped.map((s) => s.code), ["opted_out"]);
  assert.deepEqual(standIn.received.stored, commands.flatMap((list, i) => list.map((command) => ({ ...command, requestNumber: i + 1 }))));
});

test("Bloomreach answering 503: the Worker answers 503 with those commands to retry", async () => {
  standIn.setFaults({ script: ["503", "503"] });
  try {
    const text = JSON.stringify({ batch: batch.batch.slice(0, 3) });
    const [request] = node.buildRequestsFromJson(text, settings).requests;
    // The stand-in's answer to this request, asked directly: what the package reads it as is expected.
    const direct = await standIn.handle(new Request(request.url, { method: request.method, headers: request.headers, body: request.body }));
    const expected = node.readResponse(request, direct.status, await direct.text());
    standIn.received.reset();
    const response = await post(text);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { outcomes: expected, rejected: [], skipped: [] });
    assert.deepEqual(standIn.received.stored, []);
    assert.equal(standIn.received.requests.length, 1);
  } finally {
    standIn.setFaults({});
  }
});

test("a body that is not JSON: 400 with the package's error code", async () => {
  const response = await post('{"batch": [');
  assert.equal(response.status, 400);
  const { error } = await response.json();
  assert.equal(error.code, "invalid_json");
  assert.equal(error.message, (() => {
    try {
      node.buildRequestsFromJson('{"batch": [', settings);
    } catch (e) {
      return e.message;
    }
  })());
});
