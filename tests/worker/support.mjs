// Shared setup for the Worker tests: the built Worker (build/) in workerd via Miniflare, with the Bloomreach stand-in as its outbound service.
//
// Build first: `bash dev/build --worker`. Every test must `await worker.dispose()` in `finally`.

import { Miniflare } from "miniflare";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

export const PROJECT_TOKEN = "local-project";
export const API_KEY = "local-api-key";
export const WRITE_KEY = "dev-write-key";
export const SHARED_SECRET = "dev-shared-secret";
export const BEARER_TOKEN = "dev-bearer-token";
export const ADMIN_TOKEN = "dev-admin-token-0123456789abcdef";
/** Request options with the admin token, which /health's details and the admin routes need. */
export const ADMIN = Object.freeze({ headers: Object.freeze({ authorization: `Bearer ${ADMIN_TOKEN}` }) });
export const QUEUE = "segment-bloomreach-events";
export const DEAD_LETTER_QUEUE = "segment-bloomreach-events-dlq";

/** The Worker's variables for a valid local configuration (the stand-in's defaults). */
export const BASE_BINDINGS = Object.freeze({
  BLOOMREACH_API_BASE_URL: "http://127.0.0.1:8788/",
  BLOOMREACH_PROJECT_TOKEN: PROJECT_TOKEN,
  BLOOMREACH_API_KEY: API_KEY,
  BLOOMREACH_HARD_ID: "registered",
  BLOOMREACH_SOFT_ID: "cookie",
  FLATTEN_NESTED_OBJECTS: "false",
  TRACK_SESSION_PING: "false",
  SEGMENT_WRITE_KEY: WRITE_KEY,
  SEGMENT_SHARED_SECRET: SHARED_SECRET,
  ADMIN_TOKEN,
});

/** The delivery ledger's Durable Object class, as wrangler.toml binds it (SQLite storage, in memory). */
export const LEDGER_OBJECT = Object.freeze({ className: "DeliveryLedger", useSQLite: true });
/** The configuration store's Durable Object class, as wrangler.toml binds it. */
export const CONFIG_STORE_OBJECT = Object.freeze({ className: "ConfigStore", useSQLite: true });
/** The console's inspector's Durable Object class, as wrangler.toml binds it (one object per source). */
export const INSPECTOR_OBJECT = Object.freeze({ className: "EventInspector", useSQLite: true });

/** The same configuration in the npm package's (Segment catalog) keys, for expected mappings. */
export function catalogSettings(bindings = BASE_BINDINGS) {
  return {
    apiBaseUrl: bindings.BLOOMREACH_API_BASE_URL,
    apiKey: bindings.BLOOMREACH_API_KEY,
    projectToken: bindings.BLOOMREACH_PROJECT_TOKEN,
    exponeaHardId: bindings.BLOOMREACH_HARD_ID,
    exponeaSoftId: bindings.BLOOMREACH_SOFT_ID,
    flattenNestedObjects: bindings.FLATTEN_NESTED_OBJECTS === "true",
    trackSessionPing: bindings.TRACK_SESSION_PING === "true",
    ...jsonSetting("mappings", bindings.BLOOMREACH_MAPPINGS),
    ...(bindings.ECOMMERCE_EVENTS === undefined ? {} : { ecommerceEvents: String(bindings.ECOMMERCE_EVENTS) === "true" }),
    ...jsonSetting("consentCategories", bindings.CONSENT_CATEGORIES),
    ...jsonSetting("requiredConsentCategories", bindings.REQUIRED_CONSENT_CATEGORIES),
  };
}

/** A setting from a variable holding JSON text, or a value (as a TOML array or table in [vars] arrives). */
function jsonSetting(key, value) {
  if (value === undefined) return {};
  return { [key]: typeof value === "string" ? JSON.parse(value) : value };
}

/** The npm package (pkg/node), built by dev/build. */
export function npmPackage() {
  return require(path.join(root, "pkg/node/index.cjs"));
}

const MODULE_RULES = [
  { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];

/**
 * Starts the Worker with `bindings` (merged over BASE_BINDINGS; a value of `undefined` removes one).
 * `queue: true` binds DELIVERY_QUEUE and the consumers of the queue and of its dead-letter queue
 * (queue mode); `listen: true` gives it a port. `ledger`: the DELIVERY_LEDGER binding (default: the
 * Worker's own class; `false`: unbound; or another Durable Object designator, with the `workers`
 * that define it). `configStore`: the CONFIG_STORE binding (default: the Worker's own class; `false`:
 * unbound; or another designator). `outbound`: a function for every outgoing request instead of the
 * stand-in (several stand-ins by host, for instance). `metrics`: a DELIVERY_METRICS dataset binding: `true` for Miniflare's simulator, or
 * a wrapped-binding designator (a worker whose default export makes the dataset). `inspector`: the
 * EVENT_INSPECTOR binding (default: unbound; `true`: the Worker's own class). `build`: the directory
 * of the Worker's modules (default: build/) and `entry` its main module there (default: index.js).
 * Returns { url, dispatch, standIn, logs, deadLetters, dispose }.
 */
export async function startWorker({ bindings = {}, queue = false, listen = false, consumer = {}, standIn, ledger = LEDGER_OBJECT, configStore = CONFIG_STORE_OBJECT, metrics = false, ratelimits, inspector = false, workers: extraWorkers = [], outbound, build = path.join(root, "build"), entry = "index.js" } = {}) {
  if (!existsSync(path.join(build, entry))) {
    throw new Error(`${path.join(build, entry)} is missing: run \`bash dev/build --worker\` first`);
  }
  standIn ??= createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
  const merged = { ...BASE_BINDINGS, ...bindings };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  const logs = [];
  const worker = {
    name: "segment-bloomreach",
    modules: true,
    scriptPath: path.join(build, entry),
    modulesRoot: build,
    modulesRules: MODULE_RULES,
    compatibilityDate: "2026-04-01",
    bindings: merged,
    outboundService: outbound ?? ((request) => standIn.handle(request)),
  };
  worker.durableObjects = {};
  if (ledger) worker.durableObjects.DELIVERY_LEDGER = ledger;
  if (configStore) worker.durableObjects.CONFIG_STORE = configStore;
  // Rate Limiting bindings, as wrangler.toml's [[ratelimits]]: { NAME: { simple: { limit, period } } }.
  if (ratelimits) worker.ratelimits = ratelimits;
  if (inspector) worker.durableObjects.EVENT_INSPECTOR = inspector === true ? INSPECTOR_OBJECT : inspector;
  if (metrics === true) worker.analyticsEngineDatasets = { DELIVERY_METRICS: { dataset: "segment_bloomreach_delivery" } };
  else if (metrics) worker.wrappedBindings = { DELIVERY_METRICS: metrics };
  const workers = [worker, ...extraWorkers];
  if (queue) {
    worker.queueProducers = { DELIVERY_QUEUE: { queueName: QUEUE } };
    // As wrangler.toml's [env.queue]: the Worker consumes its queue and parks what lands in the
    // dead-letter queue.
    worker.queueConsumers = {
      [QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: DEAD_LETTER_QUEUE, ...consumer },
      [DEAD_LETTER_QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
    };
  }
  const mf = new Miniflare({
    workers,
    ...(listen ? { host: "127.0.0.1", port: 0 } : {}),
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) collectLines(stream, logs);
    },
  });
  let url;
  try {
    url = (await mf.ready).toString().replace(/\/$/, "");
  } catch (error) {
    await mf.dispose();
    throw error;
  }
  return {
    url,
    mf,
    standIn,
    logs,
    /** The dead letters parked so far (GET /admin/dead-letters with the admin token, page by page), oldest first. */
    async deadLetters() {
      const letters = [];
      for (let after = ""; ;) {
        const response = await mf.dispatchFetch(`http://worker.test/admin/dead-letters?limit=500${after}`, {
          headers: { authorization: `Bearer ${merged.ADMIN_TOKEN}` },
        });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`GET /admin/dead-letters: ${response.status} ${text}`);
        const page = JSON.parse(text);
        letters.push(...page.letters);
        if (!page.next) return letters;
        after = `&after=${encodeURIComponent(page.next)}`;
      }
    },
    /** One request to the Worker; resolves to { status, headers, json, text }. */
    async dispatch(pathname, init = {}) {
      const response = await mf.dispatchFetch(`http://worker.test${pathname}`, init);
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    /** The structured log lines (parsed JSON) the Worker wrote so far. */
    logLines(kind) {
      return logs.filter((l) => l.json && (!kind || l.json.kind === kind)).map((l) => l.json);
    },
    dispose: () => mf.dispose(),
  };
}

function collectLines(stream, logs) {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let json;
      try {
        json = text.trimStart().startsWith("{") ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      logs.push({ text, json });
    }
  });
}

export function basicAuth(writeKey = WRITE_KEY) {
  return `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
}

/** A JSON POST with the write key in Basic auth (unless `headers.authorization` is given). */
export function postJson(body, headers = {}) {
  return {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicAuth(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** Waits until `check()` is truthy (polling), or fails after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 60_000, intervalMs = 100, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The commands the stand-in saved, by command_id, each as { name, command_id, data }. */
export function storedCommands(standIn) {
  const byId = new Map();
  for (const { name, command_id, data } of standIn.received.stored) {
    if (!byId.has(command_id)) byId.set(command_id, []);
    byId.get(command_id).push({ name, command_id, data });
  }
  return byId;
}

/** How many times the stand-in saved each command_id. */
export function savedCounts(standIn) {
  return Object.fromEntries([...storedCommands(standIn)].map(([id, copies]) => [id, copies.length]));
}

/**
 * Many Workers in one workerd, one per entry of `bindingsList` (each merged over BASE_BINDINGS,
 * `undefined` removing one), without queue, ledger or metrics: for checking configurations side
 * by side. Returns { dispatch(index, pathname, init), dispose }.
 */
export async function startWorkers(bindingsList) {
  if (!existsSync(path.join(root, "build/index.js"))) {
    throw new Error("build/index.js is missing: run `bash dev/build --worker` first");
  }
  const workers = bindingsList.map((bindings, i) => {
    const merged = { ...BASE_BINDINGS, ...bindings };
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    return {
      name: `worker-${i}`,
      modules: true,
      scriptPath: path.join(root, "build/index.js"),
      modulesRoot: path.join(root, "build"),
      modulesRules: MODULE_RULES,
      compatibilityDate: "2026-04-01",
      bindings: merged,
    };
  });
  const mf = new Miniflare({
    workers,
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  try {
    await mf.ready;
  } catch (error) {
    await mf.dispose();
    throw error;
  }
  return {
    async dispatch(index, pathname, init = {}) {
      const worker = await mf.getWorker(`worker-${index}`);
      const response = await worker.fetch(`http://worker.test${pathname}`, init);
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    },
    dispose: () => mf.dispose(),
  };
}
