// End to end with sources: the Worker under `wrangler dev` (real workerd, its configuration store a
// real SQLite Durable Object) gets a configuration of three sources and two destinations through
// the admin API; the real @segment/analytics-node sends through a browser write key (user rules)
// and a server write key (the e-commerce preset), and a signed webhook arrives for a third source;
// two stand-ins, one per Bloomreach project, each receive exactly what the npm package maps with
// that source's settings. A rule change published takes effect within CONFIG_CACHE_SECONDS with no
// restart, a rollback restores the old output, and the same messageId under the browser key and the
// server key is delivered for both.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Analytics } from "@segment/analytics-node";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import { builtWorkerApp, OBJECTS_TOML, removeDir, startWranglerDev } from "../runtimes/support.mjs";
import { ADMIN_TOKEN, API_KEY, npmPackage, PROJECT_TOKEN, waitFor, WRITE_KEY } from "./support.mjs";

const EU = { project: "eu-project", key: "eu-api-key" };
const US = { project: "us-project", key: "us-api-key", secret: "us-api-secret" };
const WEB_KEY = "web-browser-key-e2e-1";
const SERVER_KEY = "server-write-key-e2e-2";
const CRM_SECRET = "crm-webhook-secret-e2e-3";
const SECRETS = { BLOOMREACH_API_KEY_EU: EU.key, BLOOMREACH_API_KEY_US: US.key, BLOOMREACH_API_SECRET_US: US.secret, CRM_WEBHOOK_SECRET: CRM_SECRET };
const SIGNUP = { name: "signup", subscribe: 'type = "track" and event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } };

const eu = createStandIn({ projectToken: EU.project, apiKey: EU.key, log: null });
const us = createStandIn({ projectToken: US.project, apiKey: US.key, apiSecret: US.secret, log: null });
const variablesStandIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
let urls;
let scratch;
let worker;

function configuration(eventType = "registration") {
  return {
    destinations: [
      { name: "eu", apiBaseUrl: `${urls.eu}/`, projectToken: EU.project, apiKeySecret: "BLOOMREACH_API_KEY_EU" },
      { name: "us", apiBaseUrl: `${urls.us}/`, projectToken: US.project, apiKeySecret: "BLOOMREACH_API_KEY_US", apiSecretSecret: "BLOOMREACH_API_SECRET_US" },
    ],
    sources: [
      { name: "web", destination: "eu", writeKeys: [{ kind: "browser", key: WEB_KEY }], settings: { mappings: [{ ...SIGNUP, eventType }] } },
      { name: "server", destination: "eu", writeKeys: [{ kind: "server", key: SERVER_KEY }], settings: { ecommerceEvents: true } },
      { name: "crm", destination: "us", webhook: { sharedSecretSecret: "CRM_WEBHOOK_SECRET" } },
    ],
  };
}

function settingsOf(config, name) {
  const source = config.sources.find((s) => s.name === name);
  const destination = config.destinations.find((d) => d.name === source.destination);
  return {
    apiBaseUrl: destination.apiBaseUrl, projectToken: destination.projectToken, apiKey: SECRETS[destination.apiKeySecret],
    ...(destination.apiSecretSecret ? { apiSecret: SECRETS[destination.apiSecretSecret] } : {}),
    exponeaHardId: "registered", exponeaSoftId: "cookie", ...source.settings,
  };
}

const commandsOf = (events, settings) => npmPackage().buildRequests(events, settings).requests.flatMap((r) => JSON.parse(r.body).commands);
const stored = (standIn) => standIn.received.stored.map(({ name, command_id, data }) => ({ name, command_id, data }));

async function adminCall(method, path, body) {
  const response = await fetch(worker.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function send(writeKey, calls) {
  const analytics = new Analytics({ writeKey, host: worker.url, flushAt: 20, flushInterval: 200, maxRetries: 3 });
  const failures = [];
  analytics.on("error", (error) => failures.push(error));
  for (const [method, message] of calls) analytics[method](message);
  await analytics.closeAndFlush({ timeout: 30_000 });
  assert.deepEqual(failures, [], "analytics-node reported no delivery error");
}

before(async () => {
  urls = {
    eu: (await eu.listen({ port: 0, host: "127.0.0.1" })).url,
    us: (await us.listen({ port: 0, host: "127.0.0.1" })).url,
    variables: (await variablesStandIn.listen({ port: 0, host: "127.0.0.1" })).url,
  };
  const secrets = Object.entries(SECRETS).map(([k, v]) => `${k} = "${v}"`).join("\n");
  scratch = builtWorkerApp(
    "segment-bloomreach-sources-e2e",
    `[vars]
BLOOMREACH_API_BASE_URL = "${urls.variables}/"
BLOOMREACH_PROJECT_TOKEN = "${PROJECT_TOKEN}"
BLOOMREACH_API_KEY = "${API_KEY}"
SEGMENT_WRITE_KEY = "${WRITE_KEY}"
ADMIN_TOKEN = "${ADMIN_TOKEN}"
CONFIG_CACHE_SECONDS = "1"
${secrets}
${OBJECTS_TOML}`,
  );
  worker = await startWranglerDev(scratch, { probe: "/health" });
});

after(async () => {
  await worker?.stop();
  await Promise.all([eu.close(), us.close(), variablesStandIn.close()]);
  removeDir(scratch);
});

test("three sources, two projects: each stand-in receives exactly what its sources' settings say", async () => {
  // Before anything is stored, the variables are the configuration.
  const first = await fetch(`${worker.url}/v1/track`, { method: "POST", headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString("base64")}` }, body: JSON.stringify({ messageId: "v-0", userId: "u-0", event: "Before", timestamp: "2024-05-01T09:00:00Z" }) });
  assert.equal(first.status, 200, await first.text());
  await send(WRITE_KEY, [["track", { messageId: "v-1", userId: "u-0", event: "Before", timestamp: new Date("2024-05-01T09:00:00Z") }]]);
  assert.deepEqual(stored(variablesStandIn).map((c) => c.command_id), ["v-0", "v-1"]);

  const config = configuration();
  const published = await adminCall("POST", "/admin/config", { config, summary: "three sources", baseVersion: 0 });
  assert.equal(published.status, 201, JSON.stringify(published.json));

  const webCalls = [
    ["track", { messageId: "w-1", userId: "u-1", event: "Signed Up", properties: { plan: "pro" }, timestamp: new Date("2024-05-01T10:00:00Z") }],
    ["page", { messageId: "w-2", anonymousId: "a-1", name: "Home", timestamp: new Date("2024-05-01T10:00:01Z") }],
  ];
  const serverCalls = [
    ["track", { messageId: "s-1", userId: "u-2", event: "Order Completed", timestamp: new Date("2024-05-01T10:00:02Z"), properties: { order_id: "o-1", total: 30, currency: "EUR", products: [{ product_id: "a", quantity: 1 }, { product_id: "b", quantity: 2 }] } }],
  ];
  await send(WEB_KEY, webCalls);
  await send(SERVER_KEY, serverCalls);
  const crmEvents = [{ type: "identify", messageId: "c-1", userId: "crm-7", traits: { email: "x@example.com" }, timestamp: "2024-05-01T10:00:03.000Z" }];
  const body = JSON.stringify(crmEvents);
  const hook = await fetch(`${worker.url}/webhook/crm`, { method: "POST", headers: { "content-type": "application/json", "x-signature": createHmac("sha1", CRM_SECRET).update(body).digest("hex") }, body });
  assert.equal(hook.status, 200, await hook.text());

  // What analytics-node sent, as the Worker received it (each message with its type).
  const asEvents = (calls) => calls.map(([type, message]) => ({ type, ...message, timestamp: message.timestamp.toISOString() }));
  const expectedEu = [...commandsOf(asEvents(webCalls), settingsOf(config, "web")), ...commandsOf(asEvents(serverCalls), settingsOf(config, "server"))];
  const byId = (a, b) => a.command_id.localeCompare(b.command_id);
  assert.deepEqual(stored(eu).sort(byId), expectedEu.sort(byId));
  assert.deepEqual(stored(us), commandsOf(crmEvents, settingsOf(config, "crm")));
  assert.deepEqual(stored(eu).map((c) => c.data.event_type).sort(), ["page_visit", "purchase", "purchase_item", "purchase_item", "registration"]);
});

test("a published rule change takes effect within the cache bound, rollback restores it, and a shared messageId is delivered per credential", async () => {
  const signUp = (messageId) => [["track", { messageId, userId: "u-3", event: "Signed Up", properties: { plan: "free" }, timestamp: new Date("2024-05-01T11:00:00Z") }]];
  const eventTypeOf = async (messageId) => {
    await send(WEB_KEY, signUp(messageId));
    return (await waitFor(() => stored(eu).find((c) => c.command_id === messageId), { timeoutMs: 10_000, what: messageId })).data.event_type;
  };
  const live = await adminCall("GET", "/admin/config/versions");
  const changed = await adminCall("POST", "/admin/config", { config: configuration("signup_v2"), summary: "rename", baseVersion: live.json.live });
  assert.equal(changed.status, 201, JSON.stringify(changed.json));
  // wrangler dev may answer from another isolate than the one that published: within 1 s + a request.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal(await eventTypeOf("r-1"), "signup_v2");
  const rollback = await adminCall("POST", "/admin/config/rollback", { version: live.json.live });
  assert.equal(rollback.status, 201, JSON.stringify(rollback.json));
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal(await eventTypeOf("r-2"), "registration");

  // A stranger with the public browser key sends a messageId first; the server key's event with it still arrives.
  await send(WEB_KEY, [["track", { messageId: "shared-1", userId: "u-4", event: "Poison", timestamp: new Date("2024-05-01T12:00:00Z") }]]);
  await send(SERVER_KEY, [["track", { messageId: "shared-1", userId: "u-4", event: "Real", timestamp: new Date("2024-05-01T12:00:00Z") }]]);
  assert.deepEqual(stored(eu).filter((c) => c.command_id === "shared-1").map((c) => c.data.event_type), ["Poison", "Real"]);
});
