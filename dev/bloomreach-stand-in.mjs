// Local stand-in for the Bloomreach Engagement Tracking API (batch + system/time, with fault injection) for tests and local runs.
//
// Module:  createStandIn({ projectToken, apiKey, apiSecret?, faults?, log?, verbose?, seed?, idsOnly? })
//            .handle(Request) -> Promise<Response>   (web-standard; usable as Miniflare's outboundService)
//            .listen({ port, host }) -> Promise<{ url }>, .close()
//            .received.{ requests, stored, storedByCommandId(), counts(), reset() }, .setFaults(faults), .faults
//          idsOnly: each stored command keeps its name and command_id but not its data (long runs).
// CLI:     node dev/bloomreach-stand-in.mjs --help
//
// Decisions where the reference sheet is silent (shared/reference/bloomreach-tracking-api.md):
// - A wrong project token answers 401 (the sheet lists "wrong project" under 401/403, a configuration error).
// - Every /track/v2/projects/{token}/... route needs the Authorization header, system/time included.
// - 400 for invalid JSON is exactly {"success": false, "message": "Invalid JSON"}; other 400s are
//   {"success": false, "errors": ["..."]}.
// - Faults apply only to authenticated batch requests on the right project; the admin routes under
//   /__stand-in/ need no authorization and are not recorded.
// - slow/partial act on the normal outcome: slow stores what it accepts at once and delays the answer
//   (a client that gives up early has still had its commands saved: a retry duplicates them);
//   partial fails only valid commands.
// - garbage answers 200 with an HTML body and stores NOTHING: realistically that is a proxy or CDN
//   error page from before Bloomreach, so the commands never arrived and a retry is safe.
// - rateLimit (faults.rateLimit, --rate-limit N) is a real limit, not a random fault: within each
//   wall-clock second, batch requests past the first N answer 429 with Retry-After: 1 and store
//   nothing (recorded with fault "rate-limit"); only the requests it lets through count. It is
//   checked before the random or scripted fault is picked, so those keep their sequence.

import http from "node:http";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const FAULT_KINDS = Object.freeze(["500", "503", "429", "slow", "reset", "partial", "garbage"]);
export const MAX_COMMANDS = 50;

const DEFAULT_SLOW_MS = 6000;
const DEFAULT_RETRY_AFTER = 1;
const DEFAULT_SEED = 0x5eed;
const CUSTOMER_UPDATE_MAX_BYTES = 800 * 1024;
const PROPERTY_VALUE_MAX_BYTES = 16 * 1024;
const ADMIN_PREFIX = "/__stand-in/";
const PROJECT_ROUTE = /^\/track\/v2\/projects\/([^/]+)\/(batch|system\/time)$/;
const ROUTE_METHODS = { batch: "POST", "system/time": "GET" };
const ALLOWED_COMMAND_KEYS = new Set(["name", "command_id", "data"]);
const ALLOWED_DATA_KEYS = {
  "customers/events": new Set(["customer_ids", "event_type", "timestamp", "properties"]),
  customers: new Set(["customer_ids", "properties", "update_timestamp"]),
};
const RESET_MESSAGE = "fetch failed: connection reset (injected)";
const GARBAGE_BODY = "<html>upstream error</html>";

/** Deterministic PRNG (mulberry32): returns a function giving floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Validates and fills in defaults for a fault configuration; throws TypeError on anything unknown. */
export function normalizeFaults(faults = {}) {
  if (faults === null || typeof faults !== "object" || Array.isArray(faults)) {
    throw new TypeError("faults must be an object");
  }
  const known = new Set(["script", "rate", "kinds", "slowMs", "retryAfter", "seed", "rateLimit"]);
  for (const key of Object.keys(faults)) {
    if (!known.has(key)) throw new TypeError(`unknown faults option "${key}"`);
  }
  if (!Array.isArray(faults.script ?? [])) throw new TypeError("faults.script must be an array");
  if (!Array.isArray(faults.kinds ?? [])) throw new TypeError("faults.kinds must be an array");
  const script = (faults.script ?? []).map(String);
  for (const name of script) {
    if (name !== "none" && !FAULT_KINDS.includes(name)) throw new TypeError(`unknown fault "${name}" in script`);
  }
  const rate = faults.rate ?? 0;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw new TypeError("faults.rate must be a number in 0..1");
  const kinds = (faults.kinds ?? FAULT_KINDS).map(String);
  if (kinds.length === 0) throw new TypeError("faults.kinds must not be empty");
  for (const name of kinds) {
    if (!FAULT_KINDS.includes(name)) throw new TypeError(`unknown fault kind "${name}"`);
  }
  const slowMs = faults.slowMs ?? DEFAULT_SLOW_MS;
  if (!Number.isFinite(slowMs) || slowMs < 0) throw new TypeError("faults.slowMs must be a number >= 0");
  const retryAfter = faults.retryAfter ?? DEFAULT_RETRY_AFTER;
  if (!Number.isFinite(retryAfter) || retryAfter < 0) throw new TypeError("faults.retryAfter must be a number >= 0");
  if (faults.seed !== undefined && !Number.isInteger(faults.seed)) throw new TypeError("faults.seed must be an integer");
  const rateLimit = faults.rateLimit ?? 0;
  if (!Number.isInteger(rateLimit) || rateLimit < 0) throw new TypeError("faults.rateLimit must be a whole number >= 0 (0: no limit)");
  return { script, rate, kinds, slowMs, retryAfter, rateLimit, ...(faults.seed === undefined ? {} : { seed: faults.seed }) };
}

/** Creates the stand-in: the request logic, its recorded state, fault control and an optional HTTP server. */
export function createStandIn(options = {}) {
  const { projectToken, apiKey, apiSecret } = options;
  if (typeof projectToken !== "string" || projectToken === "") throw new TypeError("projectToken is required");
  if (typeof apiKey !== "string" || apiKey === "") throw new TypeError("apiKey is required");
  const expectedAuth = apiSecret
    ? `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString("base64")}`
    : `Token ${apiKey}`;
  const log = options.log === undefined ? console.log : options.log;
  const verbose = Boolean(options.verbose);
  const idsOnly = Boolean(options.idsOnly);
  const initialFaults = normalizeFaults(options.faults ?? {});
  const initialSeed = options.seed ?? initialFaults.seed ?? DEFAULT_SEED;

  let faults;
  let random;
  const rateWindow = { second: -1, accepted: 0 }; // requests accepted in the current second (faults.rateLimit)
  const received = createReceived();
  const sleeps = new Set();
  const prettyBodies = new WeakMap();
  let server = null;

  function setFaults(next) {
    faults = normalizeFaults(next ?? {});
    if (faults.seed !== undefined) random = mulberry32(faults.seed);
    return describeFaults(faults);
  }

  function restoreInitialState() {
    received.reset();
    setFaults(initialFaults);
    random = mulberry32(initialSeed);
  }
  restoreInitialState();

  /** Whether faults.rateLimit turns this request away; counts it otherwise. */
  function rateLimited() {
    if (faults.rateLimit === 0) return false;
    const second = Math.floor(Date.now() / 1000);
    if (second !== rateWindow.second) {
      rateWindow.second = second;
      rateWindow.accepted = 0;
    }
    if (rateWindow.accepted >= faults.rateLimit) return true;
    rateWindow.accepted += 1;
    return false;
  }

  function pickFault() {
    if (faults.script.length > 0) {
      const name = faults.script.shift();
      return name === "none" ? null : name;
    }
    if (faults.rate > 0 && random() < faults.rate) {
      return faults.kinds[Math.floor(random() * faults.kinds.length)];
    }
    return null;
  }

  function say(line) {
    if (log) log(line);
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeps.delete(done);
        signal?.removeEventListener?.("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeps.add(done);
      signal?.addEventListener?.("abort", done, { once: true });
    });
  }

  async function handle(request) {
    const url = new URL(request.url);
    if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(request, url.pathname);
    const entry = received.begin(request.method, url.pathname);
    try {
      const response = await handleTracking(request, url.pathname, entry);
      entry.status = response.status;
      return response;
    } catch (error) {
      if (error?.injectedReset) throw error;
      entry.status = 500;
      say(`stand-in internal error: ${error?.message ?? error}`);
      return jsonResponse(500, { success: false, errors: ["stand-in internal error"] });
    } finally {
      say(summaryLine(entry));
      if (prettyBodies.has(entry)) say(prettyBodies.get(entry));
    }
  }

  async function handleTracking(request, pathname, entry) {
    const match = PROJECT_ROUTE.exec(pathname);
    if (!match) return jsonResponse(404, { success: false, errors: [`Unknown path ${pathname}`] });
    const route = match[2];
    if (request.method !== ROUTE_METHODS[route]) {
      return jsonResponse(405, { success: false, errors: [`Method ${request.method} not allowed on ${route}`] },
        { Allow: ROUTE_METHODS[route] });
    }
    entry.authOk = request.headers.get("authorization") === expectedAuth;
    if (!entry.authOk) {
      const problem = request.headers.has("authorization") ? "Invalid authorization" : "Missing Authorization header";
      return jsonResponse(401, { success: false, errors: [`${problem}; expected ${apiSecret ? "Basic" : "Token"} credentials`] });
    }
    if (safeDecode(match[1]) !== projectToken) {
      return jsonResponse(401, { success: false, errors: ["Unknown project token or no access to this project"] });
    }
    if (route === "system/time") return jsonResponse(200, { success: true, time: nowSeconds() });
    return handleBatch(request, entry);
  }

  async function handleBatch(request, entry) {
    const bodyText = await request.text();
    if (rateLimited()) {
      entry.fault = "rate-limit";
      entry.commands = parseBatch(request.headers.get("content-type"), bodyText).commands?.length ?? 0;
      return jsonResponse(429, { success: false, errors: ["Rate limit exceeded"] }, { "Retry-After": "1" });
    }
    const fault = pickFault();
    entry.fault = fault;
    const parsed = parseBatch(request.headers.get("content-type"), bodyText);
    entry.commands = parsed.commands?.length ?? 0;
    if (verbose && parsed.body !== undefined) prettyBodies.set(entry, JSON.stringify(parsed.body, null, 2));
    const early = earlyFaultResponse(fault, faults.retryAfter);
    if (early) return early;
    // garbage: the proxy's error page; the request never reached Bloomreach, nothing is stored.
    if (fault === "garbage") return garbageResponse();
    if (parsed.error) return finishWithFault(fault, parsed.error, request.signal);
    const startTime = nowSeconds();
    const results = evaluateCommands(parsed.commands, fault === "partial");
    storeAccepted(parsed.commands, results, entry);
    const response = jsonResponse(200, { success: true, start_time: startTime, end_time: nowSeconds(), results });
    return finishWithFault(fault, response, request.signal);
  }

  async function finishWithFault(fault, response, signal) {
    if (fault === "slow") await sleep(faults.slowMs, signal);
    return response;
  }

  function storeAccepted(commands, results, entry) {
    results.forEach((result, index) => {
      if (result.success) {
        const { name, command_id, data } = commands[index];
        received.stored.push(idsOnly ? { name, command_id, requestNumber: entry.number } : { name, command_id, data, requestNumber: entry.number });
        entry.ok += 1;
      } else {
        entry.failed += 1;
        entry.errors.push({ index, command_id: result.command_id, errors: result.errors });
      }
    });
    entry.summary = describeCommands(commands.filter((_, index) => results[index].success));
  }

  async function handleAdmin(request, pathname) {
    const route = `${request.method} ${pathname}`;
    if (route === `GET ${ADMIN_PREFIX}counts`) return jsonResponse(200, received.counts());
    if (route === `GET ${ADMIN_PREFIX}received`) {
      return jsonResponse(200, { requests: received.requests, stored: received.stored });
    }
    if (route === `POST ${ADMIN_PREFIX}reset`) {
      restoreInitialState();
      return jsonResponse(200, { success: true, faults: describeFaults(faults) });
    }
    if (route === `GET ${ADMIN_PREFIX}faults`) return jsonResponse(200, { success: true, faults: describeFaults(faults) });
    if (route === `POST ${ADMIN_PREFIX}faults`) return handleSetFaultsRoute(request);
    return jsonResponse(404, { success: false, errors: [`Unknown stand-in admin route ${route}`] });
  }

  async function handleSetFaultsRoute(request) {
    let body;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return jsonResponse(400, { success: false, message: "Invalid JSON" });
    }
    try {
      return jsonResponse(200, { success: true, faults: setFaults(body) });
    } catch (error) {
      return jsonResponse(400, { success: false, errors: [error.message] });
    }
  }

  async function listen({ port = 0, host = "127.0.0.1" } = {}) {
    if (server) throw new Error("stand-in is already listening");
    server = http.createServer((req, res) => serveNode(handle, req, res, say));
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return { url: `http://${shownHost}:${address.port}`, port: address.port };
  }

  async function close() {
    for (const wake of [...sleeps]) wake();
    if (!server) return;
    const closing = server;
    server = null;
    await new Promise((resolve) => {
      closing.close(() => resolve());
      closing.closeAllConnections();
    });
  }

  return {
    handle,
    listen,
    close,
    received,
    setFaults,
    get faults() {
      return describeFaults(faults);
    },
  };
}

/** The recorded state: every tracking request seen and every command accepted ("saved"). */
function createReceived() {
  const received = {
    requests: [],
    stored: [],
    begin(method, path) {
      const entry = {
        number: received.requests.length + 1,
        time: new Date().toISOString(),
        method,
        path,
        authOk: false,
        status: null,
        commands: 0,
        ok: 0,
        failed: 0,
        errors: [],
        fault: null,
        summary: "",
      };
      received.requests.push(entry);
      return entry;
    },
    /** How many tracking requests were seen, commands stored, and distinct command IDs among them. */
    counts() {
      return { requests: received.requests.length, stored: received.stored.length, distinctCommandIds: new Set(received.stored.map((c) => c.command_id)).size };
    },
    storedByCommandId() {
      const byId = new Map();
      for (const command of received.stored) {
        if (!byId.has(command.command_id)) byId.set(command.command_id, []);
        byId.get(command.command_id).push(command);
      }
      return byId;
    },
    reset() {
      received.requests.length = 0;
      received.stored.length = 0;
    },
  };
  Object.defineProperty(received, "begin", { enumerable: false });
  return received;
}

/** Parses a batch body; returns { body, commands } or { error: Response }. */
function parseBatch(contentType, bodyText) {
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") {
    return { error: jsonResponse(400, { success: false, errors: ["Content-Type must be application/json"] }) };
  }
  let body;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { error: jsonResponse(400, { success: false, message: "Invalid JSON" }) };
  }
  const problem = batchShapeProblem(body);
  if (problem) return { body, error: jsonResponse(400, { success: false, errors: [problem] }) };
  return { body, commands: body.commands };
}

function batchShapeProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object {\"commands\": [...]}";
  if (!Array.isArray(body.commands)) return "\"commands\" must be an array";
  if (body.commands.length === 0) return "\"commands\" must contain at least 1 command";
  if (body.commands.length > MAX_COMMANDS) {
    return `Too many commands: ${body.commands.length} (at most ${MAX_COMMANDS} per batch request)`;
  }
  return null;
}

/** Checks every command; returns one result per command, in order, each carrying its command_id. */
export function evaluateCommands(commands, injectPartial = false) {
  const seenIds = new Set();
  const results = commands.map((command) => {
    const errors = commandProblems(command);
    const id = isPlainObject(command) ? command.command_id : undefined;
    if (typeof id === "string" && id !== "") {
      if (seenIds.has(id)) errors.push(`Duplicate command_id "${id}" in this batch`);
      seenIds.add(id);
    }
    const result = errors.length === 0 ? { success: true, time: nowSeconds() } : { success: false, errors };
    if (id !== undefined) result.command_id = id;
    return result;
  });
  if (injectPartial) injectPartialFailures(results);
  return results;
}

/** Fails about a third of the valid commands (at least one): every third valid one, starting with the first. */
function injectPartialFailures(results) {
  const valid = results.filter((result) => result.success);
  valid.forEach((result, position) => {
    if (position % 3 !== 0) return;
    result.success = false;
    delete result.time;
    result.errors = ["injected failure"];
  });
}

function commandProblems(command) {
  if (!isPlainObject(command)) return ["Command must be an object"];
  const errors = [];
  for (const key of Object.keys(command)) {
    if (!ALLOWED_COMMAND_KEYS.has(key)) errors.push(`Unknown command key "${key}"`);
  }
  if (typeof command.command_id !== "string" || command.command_id === "") {
    errors.push("command_id must be a non-empty string");
  }
  if (!(command.name in ALLOWED_DATA_KEYS)) {
    errors.push(`Unknown command name ${JSON.stringify(command.name)}; expected "customers/events" or "customers"`);
    return errors;
  }
  if (!isPlainObject(command.data)) {
    errors.push("data must be an object");
    return errors;
  }
  return errors.concat(dataProblems(command.name, command.data));
}

function dataProblems(name, data) {
  const errors = [];
  for (const key of Object.keys(data)) {
    if (!ALLOWED_DATA_KEYS[name].has(key)) errors.push(`Unknown key "${key}" in ${name} data`);
  }
  errors.push(...customerIdProblems(data.customer_ids));
  if (name === "customers/events") errors.push(...eventProblems(data));
  else errors.push(...customerUpdateProblems(data));
  return errors;
}

function customerIdProblems(ids) {
  if (!isPlainObject(ids) || Object.keys(ids).length === 0) return ["At least one id should be specified."];
  return Object.entries(ids)
    .filter(([, value]) => typeof value !== "string" || value === "")
    .map(([key, value]) => `customer_ids.${key} must be a non-empty string, got ${JSON.stringify(value)}`);
}

function eventProblems(data) {
  const errors = [];
  if (typeof data.event_type !== "string" || data.event_type === "") errors.push("event_type must be a non-empty string");
  if (data.timestamp !== undefined && !isFiniteNumber(data.timestamp)) {
    errors.push("timestamp must be a number (Unix seconds)");
  }
  if (data.properties !== undefined && !isPlainObject(data.properties)) errors.push("properties must be an object");
  return errors;
}

function customerUpdateProblems(data) {
  const errors = [];
  if (!isPlainObject(data.properties)) errors.push("properties must be an object");
  if (data.update_timestamp !== undefined && !isFiniteNumber(data.update_timestamp)) {
    errors.push("update_timestamp must be a number (Unix seconds)");
  }
  if (byteLength(data) >= CUSTOMER_UPDATE_MAX_BYTES) errors.push("Customer update must be under 800 KB");
  if (isPlainObject(data.properties)) {
    for (const [key, value] of Object.entries(data.properties)) {
      if (byteLength(value) >= PROPERTY_VALUE_MAX_BYTES) errors.push(`Property "${key}" value must be under 16 KB`);
    }
  }
  return errors;
}

/** 500/503/429/reset answer before anything is processed or stored. */
function earlyFaultResponse(fault, retryAfter) {
  if (fault === "500") return jsonResponse(500, { success: false, errors: ["Internal server error (injected)"] });
  if (fault === "503") return jsonResponse(503, { success: false, errors: ["Service unavailable (injected)"] });
  if (fault === "429") {
    return jsonResponse(429, { success: false, errors: ["Rate limit exceeded (injected)"] },
      { "Retry-After": String(retryAfter) });
  }
  if (fault === "reset") throw injectedResetError();
  return null;
}

function garbageResponse() {
  return new Response(GARBAGE_BODY, { status: 200, headers: { "content-type": "text/html" } });
}

function injectedResetError() {
  const error = new TypeError(RESET_MESSAGE);
  error.injectedReset = true;
  return error;
}

/** One human-readable line per tracking request (first failures included); never contains credentials. */
function summaryLine(entry) {
  const parts = [`#${entry.number} ${entry.method} ${entry.path} -> ${entry.status ?? "connection reset"}`];
  if (entry.commands > 0) parts.push(`commands=${entry.commands} ok=${entry.ok} failed=${entry.failed}`);
  if (entry.fault) parts.push(`fault=${entry.fault}`);
  if (entry.summary) parts.push(`[${entry.summary}]`);
  const failures = entry.errors.slice(0, 3).map((f) => `${f.command_id ?? `#${f.index}`}: ${f.errors.join("; ")}`);
  if (entry.errors.length > 3) failures.push(`and ${entry.errors.length - 3} more`);
  if (failures.length > 0) parts.push(`failures: ${failures.join(" | ")}`);
  return parts.join(" ");
}

/** "page_visit x2, customers x1" for a list of commands. */
function describeCommands(commands) {
  const counts = new Map();
  for (const command of commands) {
    const label = command.name === "customers/events" ? command.data.event_type : "customers";
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, count]) => `${label} x${count}`).join(", ");
}

function describeFaults(faults) {
  return { ...faults, script: [...faults.script], kinds: [...faults.kinds] };
}

/** Bridges node:http to handle(): IncomingMessage -> Request, Response -> ServerResponse. */
async function serveNode(handle, req, res, say) {
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    const request = await toWebRequest(req, abort.signal);
    const response = await handle(request);
    await writeWebResponse(response, res);
  } catch (error) {
    if (error?.injectedReset) {
      req.socket.destroy();
      return;
    }
    say(`stand-in server error: ${error?.message ?? error}`);
    if (!res.headersSent && !res.destroyed) res.writeHead(500, { "content-type": "application/json" });
    if (!res.destroyed) res.end(JSON.stringify({ success: false, errors: ["stand-in internal error"] }));
  }
}

async function toWebRequest(req, signal) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((item) => headers.append(name, item));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const url = `http://${req.headers.host ?? "127.0.0.1"}${req.url}`;
  return new Request(url, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined, signal });
}

async function writeWebResponse(response, res) {
  const body = Buffer.from(await response.arrayBuffer());
  if (res.destroyed) return;
  const headers = Object.fromEntries(response.headers);
  headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

function jsonResponse(status, body, extraHeaders = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...extraHeaders },
  });
}

function nowSeconds() {
  return Date.now() / 1000;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isFiniteNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

function byteLength(value) {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ---------------------------------------------------------------- CLI

const USAGE = `Usage: node dev/bloomreach-stand-in.mjs [options]
  --port N             port (env STAND_IN_PORT, default 8788; 0 = any free port)
  --host H             host (env STAND_IN_HOST, default 127.0.0.1)
  --project-token T    project token (env BLOOMREACH_PROJECT_TOKEN, default local-project)
  --api-key K          API key (env BLOOMREACH_API_KEY, default local-api-key)
  --api-secret S       API secret: require Basic auth (env BLOOMREACH_API_SECRET; default: Token auth)
  --fault-rate R       probability 0..1 that a batch request gets a random fault
  --faults K,K,...     fault kinds for --fault-rate (default all: ${FAULT_KINDS.join(",")})
  --fault-script K,..  faults for the next requests in order ("none" allowed), before --fault-rate applies
  --slow-ms N          delay of the "slow" fault (default ${DEFAULT_SLOW_MS})
  --retry-after S      Retry-After seconds of the "429" fault (default ${DEFAULT_RETRY_AFTER})
  --rate-limit N       at most N batch requests per second; the rest answer 429, Retry-After: 1 (default 0: none)
  --seed N             seed of the random fault generator (default ${DEFAULT_SEED})
  --verbose            also print each batch body as pretty JSON
  --ids-only           keep only each stored command's name and command_id, not its data (long runs)
  --quiet              print nothing but the start line
Admin routes (no auth): GET /__stand-in/received, GET /__stand-in/counts, POST /__stand-in/reset,
  GET|POST /__stand-in/faults (POST body: {"script": [...], "rate": 0.3, "kinds": [...], "slowMs": N, "retryAfter": S, "seed": N, "rateLimit": N})`;

/** Turns argv + env into createStandIn options plus { port, host }; throws on bad input. */
export function parseCliOptions(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "project-token": { type: "string" },
      "api-key": { type: "string" },
      "api-secret": { type: "string" },
      "fault-rate": { type: "string" },
      faults: { type: "string" },
      "fault-script": { type: "string" },
      "slow-ms": { type: "string" },
      "retry-after": { type: "string" },
      "rate-limit": { type: "string" },
      seed: { type: "string" },
      verbose: { type: "boolean", default: false },
      "ids-only": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const faults = {};
  if (values["fault-rate"] !== undefined) faults.rate = cliNumber("--fault-rate", values["fault-rate"]);
  if (values.faults !== undefined) faults.kinds = cliList(values.faults);
  if (values["fault-script"] !== undefined) faults.script = cliList(values["fault-script"]);
  if (values["slow-ms"] !== undefined) faults.slowMs = cliNumber("--slow-ms", values["slow-ms"]);
  if (values["retry-after"] !== undefined) faults.retryAfter = cliNumber("--retry-after", values["retry-after"]);
  if (values["rate-limit"] !== undefined) faults.rateLimit = cliNumber("--rate-limit", values["rate-limit"]);
  return {
    help: values.help,
    port: cliNumber("--port", values.port ?? env.STAND_IN_PORT ?? "8788"),
    host: values.host ?? env.STAND_IN_HOST ?? "127.0.0.1",
    projectToken: values["project-token"] ?? env.BLOOMREACH_PROJECT_TOKEN ?? "local-project",
    apiKey: values["api-key"] ?? env.BLOOMREACH_API_KEY ?? "local-api-key",
    apiSecret: values["api-secret"] ?? (env.BLOOMREACH_API_SECRET || undefined),
    faults: normalizeFaults(faults),
    seed: values.seed === undefined ? undefined : cliNumber("--seed", values.seed),
    verbose: values.verbose,
    idsOnly: values["ids-only"],
    quiet: values.quiet,
  };
}

function cliNumber(flag, text) {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new TypeError(`${flag} must be a number, got "${text}"`);
  return value;
}

function cliList(text) {
  return text.split(",").map((item) => item.trim()).filter(Boolean);
}

function describeCliFaults(faults) {
  const parts = [];
  if (faults.script.length > 0) parts.push(`script ${faults.script.join(",")}`);
  if (faults.rate > 0) parts.push(`rate ${faults.rate} of ${faults.kinds.join(",")}`);
  if (faults.rateLimit > 0) parts.push(`at most ${faults.rateLimit} batch requests per second`);
  if (parts.length === 0) return null;
  return `faults: ${parts.join("; ")} (slow ${faults.slowMs} ms, Retry-After ${faults.retryAfter} s)`;
}

async function main(argv) {
  let cli;
  try {
    cli = parseCliOptions(argv);
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    console.log(USAGE);
    return;
  }
  const standIn = createStandIn({
    projectToken: cli.projectToken,
    apiKey: cli.apiKey,
    apiSecret: cli.apiSecret,
    faults: cli.faults,
    seed: cli.seed,
    verbose: cli.verbose && !cli.quiet,
    idsOnly: cli.idsOnly,
    log: cli.quiet ? null : (line) => console.log(line),
  });
  const { url } = await standIn.listen({ port: cli.port, host: cli.host });
  console.log(`Bloomreach stand-in listening on ${url} (project ${cli.projectToken})`);
  const faultLine = describeCliFaults(cli.faults);
  if (faultLine && !cli.quiet) console.log(faultLine);
  const stop = async () => {
    await standIn.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`Bloomreach stand-in failed to start: ${error.message}`);
    process.exit(1);
  });
}
