// Sources and destinations as data, in workerd (Miniflare): a configuration published through the
// admin API routes each credential to its source and each source to its destination (two projects,
// two stand-ins), each receiving exactly what the npm package maps with that source's settings; a
// publish takes effect, a rollback restores the old output, an invalid configuration is refused
// with every problem at its path and changes nothing; the same messageId under two credentials is
// delivered for both (the poisoning a shared ledger namespace allowed); a failing store keeps the
// last good copy serving, and an isolate with no copy answers 503 config_unavailable.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash as hashOf, createHmac } from "node:crypto";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import { ADMIN, ADMIN_TOKEN, BASE_BINDINGS, basicAuth, catalogSettings, npmPackage, postJson, SHARED_SECRET, startWorker, waitFor, WRITE_KEY } from "./support.mjs";

const EU = { url: "http://127.0.0.1:8788/", project: "eu-project", key: "eu-api-key" };
const US = { url: "http://127.0.0.1:8789/", project: "us-project", key: "us-api-key", secret: "us-api-secret" };
const WEB_KEY = "web-browser-key-0001";
const SERVER_KEY = "server-write-key-0002";
const CRM_SECRET = "crm-webhook-secret-0003";

/** The Worker's secrets a stored configuration names, beside the variables of BASE_BINDINGS. */
const SECRETS = {
  BLOOMREACH_API_KEY_EU: EU.key,
  BLOOMREACH_API_KEY_US: US.key,
  BLOOMREACH_API_SECRET_US: US.secret,
  CRM_WEBHOOK_SECRET: CRM_SECRET,
};

const SIGNUP_RULE = { name: "signup", subscribe: 'type = "track" and event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } };

/** Two destinations, three sources: a browser key with a rule, a server key with the e-commerce preset, a webhook. */
function configuration({ webRules = [SIGNUP_RULE] } = {}) {
  return {
    destinations: [
      { name: "eu", apiBaseUrl: EU.url, projectToken: EU.project, apiKeySecret: "BLOOMREACH_API_KEY_EU" },
      { name: "us", apiBaseUrl: US.url, projectToken: US.project, apiKeySecret: "BLOOMREACH_API_KEY_US", apiSecretSecret: "BLOOMREACH_API_SECRET_US" },
    ],
    sources: [
      { name: "web", destination: "eu", writeKeys: [{ kind: "browser", label: "web prod", key: WEB_KEY }], settings: { trackSessionPing: true, mappings: webRules } },
      { name: "server", destination: "eu", writeKeys: [{ kind: "server", key: SERVER_KEY }], settings: { ecommerceEvents: true } },
      { name: "crm", destination: "us", webhook: { sharedSecretSecret: "CRM_WEBHOOK_SECRET" }, settings: { exponeaHardId: "crm_id", exponeaSoftId: "cookie" } },
    ],
  };
}

/** The npm package's settings for a source of `configuration()`. */
function settingsOf(config, sourceName) {
  const source = config.sources.find((s) => s.name === sourceName);
  const destination = config.destinations.find((d) => d.name === source.destination);
  const secret = (name) => (name ? SECRETS[name] : undefined);
  return {
    apiBaseUrl: destination.apiBaseUrl, projectToken: destination.projectToken,
    apiKey: secret(destination.apiKeySecret), ...(destination.apiSecretSecret ? { apiSecret: secret(destination.apiSecretSecret) } : {}),
    exponeaHardId: "registered", exponeaSoftId: "cookie", ...source.settings,
  };
}

/** The commands the npm package sends for `events` with a source's settings. */
function expectedCommands(events, settings) {
  return npmPackage().buildRequests(events, settings).requests.flatMap((r) => JSON.parse(r.body).commands);
}

const stored = (standIn) => standIn.received.stored.map(({ name, command_id, data }) => ({ name, command_id, data }));

/** A Worker with the secrets and two stand-ins, one per destination, told apart by port. */
async function startTwoProjects(options = {}) {
  const eu = createStandIn({ projectToken: EU.project, apiKey: EU.key, log: null });
  const us = createStandIn({ projectToken: US.project, apiKey: US.key, apiSecret: US.secret, log: null });
  const worker = await startWorker({
    ...options,
    bindings: { ...SECRETS, CONFIG_CACHE_SECONDS: "1", ...options.bindings },
    outbound: (request) => (new URL(request.url).port === "8789" ? us : eu).handle(request),
  });
  return { worker, eu, us };
}

const admin = (method, body) => ({
  method,
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

const track = (messageId, event, extra = {}) => ({ type: "track", messageId, event, userId: "u-1", timestamp: "2024-05-01T10:00:00.000Z", ...extra });

test("a published configuration routes each credential to its source and each source to its destination", async () => {
  const { worker, eu, us } = await startTwoProjects();
  try {
    const config = configuration();
    const published = await worker.dispatch("/admin/config", admin("POST", { config, summary: "two brands", baseVersion: 0 }));
    assert.equal(published.status, 201, published.text);
    assert.deepEqual(Object.keys(published.json).sort(), ["admin", "createdAt", "summary", "version"]);
    assert.deepEqual([published.json.version, published.json.admin, published.json.summary], [1, "ADMIN_TOKEN", "two brands"]);

    // The live configuration holds digests, never a key or a secret's value.
    const live = await worker.dispatch("/admin/config", admin("GET"));
    assert.equal(live.status, 200);
    for (const secret of [WEB_KEY, SERVER_KEY, CRM_SECRET, EU.key, US.key, US.secret]) assert.ok(!live.text.includes(secret), "no credential in the live configuration");
    assert.deepEqual(live.json.config.sources[0].writeKeys, [{ label: "web prod", kind: "browser", sha256: createHash(WEB_KEY), last4: "0001" }]);

    const webEvents = [track("w-1", "Signed Up", { properties: { plan: "pro" } }), { type: "page", messageId: "w-2", anonymousId: "a-1", name: "Home", timestamp: "2024-05-01T10:00:01.000Z" }];
    const serverEvents = [track("s-1", "Order Completed", { properties: { order_id: "o-1", total: 30, currency: "EUR", products: [{ product_id: "a", quantity: 1 }] } })];
    const crmEvents = [{ type: "identify", messageId: "c-1", userId: "crm-7", traits: { email: "x@example.com" }, timestamp: "2024-05-01T10:00:02.000Z" }];

    let answer = await worker.dispatch("/v1/batch", postJson({ batch: webEvents }, { authorization: basicAuth(WEB_KEY) }));
    assert.equal(answer.status, 200, answer.text);
    answer = await worker.dispatch("/v1/batch", postJson({ batch: serverEvents, writeKey: SERVER_KEY }, { authorization: "" }));
    assert.equal(answer.status, 200, answer.text);
    const crmBody = JSON.stringify(crmEvents);
    answer = await worker.dispatch("/webhook/crm", { method: "POST", headers: { "content-type": "application/json", "x-signature": createHmac("sha1", CRM_SECRET).update(crmBody).digest("hex") }, body: crmBody });
    assert.equal(answer.status, 200, answer.text);

    assert.deepEqual(stored(eu), [
      ...expectedCommands(webEvents, settingsOf(config, "web")),
      ...expectedCommands(serverEvents, settingsOf(config, "server")),
    ]);
    assert.deepEqual(stored(us), expectedCommands(crmEvents, settingsOf(config, "crm")));
    // The rule, the session ping and the preset each did their part.
    assert.deepEqual(stored(eu).map((c) => [c.command_id, c.data.event_type ?? c.name]), [
      ["w-1", "registration"], ["w-2", "page_visit"], ["w-2:session_ping", "session_ping"], ["s-1", "purchase"], ["s-1:2", "purchase_item"],
    ]);
    assert.deepEqual(stored(us)[0].data.customer_ids, { crm_id: "crm-7" });

    // Log lines name the source and the version, never a credential.
    const lines = worker.logLines("request").filter((l) => l.path.startsWith("/v1") || l.path.startsWith("/webhook"));
    assert.deepEqual(lines.map((l) => [l.source, l.configVersion, l.status]), [["web", 1, 200], ["server", 1, 200], ["crm", 1, 200]]);
    const logText = worker.logs.map((l) => l.text).join("\n");
    for (const secret of [WEB_KEY, SERVER_KEY, CRM_SECRET, EU.key, US.key, US.secret]) assert.ok(!logText.includes(secret), "no credential in a log line");

    // The variables' write key is no source's any more; an unknown webhook source is no route.
    answer = await worker.dispatch("/v1/track", postJson(track("v-1", "E"), { authorization: basicAuth(WRITE_KEY) }));
    assert.equal(answer.status, 401);
    assert.equal(answer.json.error.code, "invalid_credentials");
    assert.equal((await worker.dispatch("/webhook/nope", postJson({}))).status, 404);

    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.status, 200, health.text);
    const { configuration: shown } = health.json;
    assert.deepEqual([shown.from, shown.version, shown.store], ["store", 1, true]);
    assert.deepEqual(shown.sources.map((s) => [s.name, s.destination, s.valid, s.webhook, s.writeKeys.map((k) => `${k.kind}:${k.last4}`)]), [
      ["web", "eu", true, false, ["browser:0001"]],
      ["server", "eu", true, false, ["server:0002"]],
      ["crm", "us", true, true, []],
    ]);
  } finally {
    await worker.dispose();
  }
});

test("a rule change takes effect on publish, rollback restores the old output, versions and diffs are kept", async () => {
  const { worker, eu } = await startTwoProjects();
  try {
    const first = configuration();
    assert.equal((await worker.dispatch("/admin/config", admin("POST", { config: first, summary: "first" }))).status, 201);
    const send = async (messageId) => {
      const answer = await worker.dispatch("/v1/track", postJson(track(messageId, "Signed Up", { properties: { plan: "pro" } }), { authorization: basicAuth(WEB_KEY) }));
      assert.equal(answer.status, 200, answer.text);
      return stored(eu).find((c) => c.command_id === messageId);
    };
    assert.equal((await send("r-1")).data.event_type, "registration");

    const renamed = configuration({ webRules: [{ ...SIGNUP_RULE, eventType: "signup_v2" }] });
    const second = await worker.dispatch("/admin/config", admin("POST", { config: renamed, summary: "rename the signup event", baseVersion: 1 }));
    assert.equal(second.status, 201, second.text);
    assert.equal((await send("r-2")).data.event_type, "signup_v2");

    // A push from a stale base is refused and changes nothing.
    const stale = await worker.dispatch("/admin/config", admin("POST", { config: first, baseVersion: 1 }));
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.json.error.code, "config_conflict");
    assert.equal(stale.json.error.live, 2);

    const diff = await worker.dispatch("/admin/config/diff?from=1&to=2", admin("GET"));
    assert.equal(diff.status, 200);
    assert.deepEqual(diff.json, {
      from: 1, to: 2,
      changes: [{ path: "sources.web.settings.mappings", change: "changed", before: [SIGNUP_RULE], after: [{ ...SIGNUP_RULE, eventType: "signup_v2" }] }],
    });

    const rollback = await worker.dispatch("/admin/config/rollback", admin("POST", { version: 1 }));
    assert.equal(rollback.status, 201, rollback.text);
    assert.deepEqual([rollback.json.version, rollback.json.summary], [3, "rollback to version 1"]);
    assert.equal((await send("r-3")).data.event_type, "registration");

    const versions = await worker.dispatch("/admin/config/versions", admin("GET"));
    assert.equal(versions.status, 200);
    assert.deepEqual([versions.json.live, versions.json.versions.map((v) => [v.version, v.summary])], [3, [[3, "rollback to version 1"], [2, "rename the signup event"], [1, "first"]]]);
    const one = await worker.dispatch("/admin/config/versions/2", admin("GET"));
    assert.equal(one.json.config.sources[0].settings.mappings[0].eventType, "signup_v2");
    assert.equal((await worker.dispatch("/admin/config/versions/9", admin("GET"))).json.error.code, "version_not_found");
  } finally {
    await worker.dispose();
  }
});

test("an invalid configuration is refused with every problem at its path and changes nothing", async () => {
  const { worker } = await startTwoProjects();
  try {
    const config = configuration();
    config.sources[0].settings.mappings = [{ name: "r", subscribe: "type = ", eventType: "x" }];
    config.sources[1].settings.trackSesionPing = true;
    config.destinations[1].apiSecretSecret = "NO_SUCH_SECRET";
    const expected = {
      error: {
        code: "config_refused",
        message: "the configuration has 3 problems; nothing was stored",
        problems: [
          { field: "destinations[1].apiSecretSecret", message: "the Worker has no secret named NO_SUCH_SECRET: `wrangler secret put NO_SUCH_SECRET` first" },
          { field: "sources[0].settings.mappings[0].subscribe", message: "expected a value (a string, a number, true, false or null), got the end of the query (at character 8)" },
          { field: "sources[1].settings.trackSesionPing", message: "unknown key (did you mean `trackSessionPing`?)" },
        ],
      },
    };
    for (const path of ["/admin/config", "/admin/config/validate"]) {
      const refused = await worker.dispatch(path, admin("POST", { config }));
      assert.equal(refused.status, 400, refused.text);
      assert.deepEqual(refused.json, expected);
    }
    // A body of the wrong shape: named, never quoted (a secret pasted into the wrong field).
    const misshapen = await worker.dispatch("/admin/config", admin("POST", { config: configuration(), baseVersion: "sk-PASTED-secret" }));
    assert.equal(misshapen.status, 400);
    assert.equal(misshapen.json.error.code, "invalid_admin_request");
    assert.ok(!misshapen.text.includes("PASTED"), misshapen.text);
    const unknown = await worker.dispatch("/admin/config", admin("POST", { config: configuration(), summry: "x" }));
    assert.match(unknown.json.error.message, /unknown field `summry`/);
    const versions = await worker.dispatch("/admin/config/versions", admin("GET"));
    assert.deepEqual(versions.json, { live: null, versions: [] });
    // Still the variables.
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.json.configuration, undefined, "no stored configuration to describe");
    assert.equal(health.json.bloomreach.apiBaseUrl, BASE_BINDINGS.BLOOMREACH_API_BASE_URL);
    const valid = await worker.dispatch("/admin/config/validate", admin("POST", { config: configuration() }));
    assert.equal(valid.status, 200);
    assert.equal(valid.json.valid, true);
    assert.equal(valid.json.config.sources[1].writeKeys[0].last4, "0002");
    // Signed out: every configuration route is 401 and shows nothing.
    for (const [path, method] of [["/admin/config", "GET"], ["/admin/config", "POST"], ["/admin/config/versions", "GET"], ["/admin/config/versions/1", "GET"], ["/admin/config/diff", "GET"], ["/admin/config/rollback", "POST"], ["/admin/config/import-env", "POST"], ["/admin/config/validate", "POST"]]) {
      const refused = await worker.dispatch(path, { method, headers: { "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
      assert.equal(refused.status, 401, `${method} ${path}`);
    }
  } finally {
    await worker.dispose();
  }
});

test("the same messageId under two credentials is delivered for both; under one, once (variables and stored)", async () => {
  // Variables only: the write key first, then the webhook with the same messageId.
  const worker = await startWorker();
  try {
    const event = track("shared-id", "Order Completed");
    let answer = await worker.dispatch("/v1/track", postJson(event));
    assert.equal(answer.status, 200, answer.text);
    const body = JSON.stringify([{ ...event, event: "Trusted Order" }]);
    answer = await worker.dispatch("/webhook", { method: "POST", headers: { "content-type": "application/json", "x-signature": createHmac("sha1", SHARED_SECRET).update(body).digest("hex") }, body });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(worker.standIn.received.stored.map((c) => c.data.event_type), ["Order Completed", "Trusted Order"]);
    answer = await worker.dispatch("/v1/track", postJson(event));
    assert.equal(answer.status, 200);
    assert.equal(worker.standIn.received.stored.length, 2, "under one credential, once");
  } finally {
    await worker.dispose();
  }
  // Stored: a public browser key first, then a server key of the same source.
  const { worker: stored2, eu } = await startTwoProjects();
  try {
    const config = configuration();
    config.sources[0].writeKeys.push({ kind: "server", key: "web-server-key-0004" });
    assert.equal((await stored2.dispatch("/admin/config", admin("POST", { config }))).status, 201);
    const event = track("shared-id", "Poison");
    assert.equal((await stored2.dispatch("/v1/track", postJson(event, { authorization: basicAuth(WEB_KEY) }))).status, 200);
    assert.equal((await stored2.dispatch("/v1/track", postJson({ ...event, event: "Real" }, { authorization: basicAuth("web-server-key-0004") }))).status, 200);
    assert.deepEqual(stored(eu).map((c) => c.data.event_type), ["Poison", "Real"]);
  } finally {
    await stored2.dispose();
  }
});

test("import-env stores the variables as version 1, and the variables' output does not change", async () => {
  const worker = await startWorker({ bindings: { TRACK_SESSION_PING: "true" } });
  try {
    const event = { type: "page", messageId: "i-1", anonymousId: "a-1", name: "Home", timestamp: "2024-05-01T10:00:00.000Z" };
    assert.equal((await worker.dispatch("/v1/page", postJson(event))).status, 200);
    const imported = await worker.dispatch("/admin/config/import-env", admin("POST", { summary: "from the variables" }));
    assert.equal(imported.status, 201, imported.text);
    assert.equal(imported.json.version, 1);
    const live = await worker.dispatch("/admin/config", admin("GET"));
    assert.ok(!live.text.includes(WRITE_KEY) && !live.text.includes(SHARED_SECRET) && !live.text.includes(BASE_BINDINGS.BLOOMREACH_API_KEY));
    assert.deepEqual(live.json.config.destinations, [{ name: "default", apiBaseUrl: BASE_BINDINGS.BLOOMREACH_API_BASE_URL, projectToken: BASE_BINDINGS.BLOOMREACH_PROJECT_TOKEN, apiKeySecret: "BLOOMREACH_API_KEY" }]);
    assert.equal((await worker.dispatch("/v1/page", postJson({ ...event, messageId: "i-2" }))).status, 200);
    const [before, after] = [["i-1"], ["i-2"]].map(([id]) => worker.standIn.received.stored.filter((c) => c.command_id.startsWith(id)));
    assert.deepEqual(after.map((c) => ({ ...c, command_id: c.command_id.replace("i-2", "i-1"), requestNumber: 0 })), before.map((c) => ({ ...c, requestNumber: 0 })));
    const expected = expectedCommands([event], catalogSettings({ ...BASE_BINDINGS, TRACK_SESSION_PING: "true" }));
    assert.deepEqual(before.map(({ name, command_id, data }) => ({ name, command_id, data })), expected);
    // Once something is stored, import-env does not overwrite it unless told which version it replaces.
    assert.equal((await worker.dispatch("/admin/config/import-env", admin("POST"))).status, 409);
  } finally {
    await worker.dispose();
  }
});

/** A configuration store that answers the live version once, then fails (`MODE` "flaky"), or always fails ("down"). */
function flakyStore(mode) {
  const document = configuration();
  document.sources[0].writeKeys = [{ kind: "browser", sha256: createHash(WEB_KEY), last4: "0001" }];
  document.sources[1].writeKeys = [{ kind: "server", sha256: createHash(SERVER_KEY), last4: "0002" }];
  return {
    configStore: { className: "FlakyStore", scriptName: "flaky-store" },
    workers: [{
      name: "flaky-store",
      modules: true,
      compatibilityDate: "2026-04-01",
      bindings: { MODE: mode, DOCUMENT: JSON.stringify(document) },
      script: `export class FlakyStore {
        constructor(state, env) { this.env = env; this.calls = 0; }
        async fetch(request) {
          this.calls += 1;
          if (this.env.MODE === "down" || this.calls > 1) return new Response("the store is down", { status: 500 });
          const live = { version: 5, createdAt: 0, admin: "ADMIN_TOKEN", summary: "s" };
          return Response.json({ live, document: JSON.parse(this.env.DOCUMENT) });
        }
      }
      export default { fetch() { return new Response("not here", { status: 404 }); } };`,
    }],
  };
}

test("a failing store: the last good copy keeps serving and /health says how old it is; no copy at all is 503 config_unavailable", async () => {
  const { worker, eu } = await startTwoProjects({ ...flakyStore("flaky"), bindings: { CONFIG_CACHE_SECONDS: "0" } });
  try {
    for (const id of ["f-1", "f-2", "f-3"]) {
      const answer = await worker.dispatch("/v1/track", postJson(track(id, "E"), { authorization: basicAuth(WEB_KEY) }));
      assert.equal(answer.status, 200, answer.text);
    }
    assert.deepEqual(stored(eu).map((c) => c.command_id), ["f-1", "f-2", "f-3"]);
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.json.configuration.version, 5);
    assert.match(health.json.configuration.stale, /the store is down/);
    assert.equal(worker.logLines("config_store").length, 1, "the failure is logged once, not per request");
  } finally {
    await worker.dispose();
  }
  const { worker: down } = await startTwoProjects(flakyStore("down"));
  try {
    const answer = await down.dispatch("/v1/track", postJson(track("d-1", "E"), { authorization: basicAuth(WEB_KEY) }));
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error.code, "config_unavailable");
    assert.equal(answer.headers.get("retry-after"), "30");
  } finally {
    await down.dispose();
  }
});

/** A write key's digest, as the configuration stores it. */
function createHash(text) {
  return hashOf("sha256").update(text).digest("hex");
}

test("queue mode: each queued event carries its source and is delivered to that source's destination", async () => {
  const { worker, eu, us } = await startTwoProjects({ queue: true });
  try {
    const config = configuration();
    assert.equal((await worker.dispatch("/admin/config", admin("POST", { config }))).status, 201);
    const webEvents = [track("q-1", "Signed Up", { properties: { plan: "pro" } })];
    const crmEvents = [{ type: "identify", messageId: "q-2", userId: "crm-8", traits: { plan: "gold" }, timestamp: "2024-05-01T10:00:02.000Z" }];
    let answer = await worker.dispatch("/v1/batch", postJson({ batch: webEvents }, { authorization: basicAuth(WEB_KEY) }));
    assert.deepEqual([answer.status, answer.json.queued], [202, 1], answer.text);
    const crmBody = JSON.stringify(crmEvents);
    answer = await worker.dispatch("/webhook/crm", { method: "POST", headers: { "content-type": "application/json", "x-signature": createHmac("sha1", CRM_SECRET).update(crmBody).digest("hex") }, body: crmBody });
    assert.deepEqual([answer.status, answer.json.queued], [202, 1], answer.text);
    await waitFor(() => stored(eu).length + stored(us).length === 2, { timeoutMs: 30_000, what: "both queued events delivered" });
    assert.deepEqual(stored(eu), expectedCommands(webEvents, settingsOf(config, "web")));
    assert.deepEqual(stored(us), expectedCommands(crmEvents, settingsOf(config, "crm")));
    // A batch's line is written once the ledger has settled it, after Bloomreach has the event.
    const batches = await waitFor(() => {
      const delivered = worker.logLines("queue_batch").filter((l) => l.delivered > 0);
      return delivered.length === 2 && delivered;
    }, { what: "both queue batches logged" });
    assert.deepEqual(batches.map((l) => [l.source, l.configVersion, l.delivered]).sort(), [["crm", 1, 1], ["web", 1, 1]]);
  } finally {
    await worker.dispose();
  }
});

test("queue mode: a dead letter keeps its source and a replay delivers it to that source's destination", async () => {
  const { worker, eu, us } = await startTwoProjects({ queue: true, consumer: { maxRetries: 1 }, bindings: { QUEUE_RETRY_MAX_DELAY_SECONDS: "1" } });
  try {
    const config = configuration();
    assert.equal((await worker.dispatch("/admin/config", admin("POST", { config }))).status, 201);
    for (const standIn of [eu, us]) standIn.setFaults({ rate: 1, kinds: ["500"] });
    const webEvents = [track("dl-1", "Signed Up", { properties: { plan: "pro" } })];
    const crmEvents = [{ type: "identify", messageId: "dl-2", userId: "crm-9", traits: { plan: "gold" }, timestamp: "2024-05-01T10:00:02.000Z" }];
    assert.equal((await worker.dispatch("/v1/batch", postJson({ batch: webEvents }, { authorization: basicAuth(WEB_KEY) }))).status, 202);
    const crmBody = JSON.stringify(crmEvents);
    const signature = createHmac("sha1", CRM_SECRET).update(crmBody).digest("hex");
    assert.equal((await worker.dispatch("/webhook/crm", { method: "POST", headers: { "content-type": "application/json", "x-signature": signature }, body: crmBody })).status, 202);
    const letters = await waitFor(async () => {
      const parked = await worker.deadLetters();
      return parked.length === 2 && parked;
    }, { timeoutMs: 60_000, intervalMs: 250, what: "two dead letters" });
    assert.deepEqual(letters.map((l) => [l.messageId, l.event.source]).sort(), [["dl-1", "web"], ["dl-2", "crm"]]);

    for (const standIn of [eu, us]) standIn.setFaults({});
    const replay = await worker.dispatch("/admin/dead-letters/replay", admin("POST", { all: true }));
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.json.delivered.length, 2, replay.text);
    assert.deepEqual(stored(eu), expectedCommands(webEvents, settingsOf(config, "web")));
    assert.deepEqual(stored(us), expectedCommands(crmEvents, settingsOf(config, "crm")));
    assert.deepEqual(await worker.deadLetters(), []);
  } finally {
    await worker.dispose();
  }
});
