// The flood benchmark (issue #21 item 9): under `wrangler dev` (real workerd, real Rate Limiting
// bindings, the ledger and the configuration store as Durable Objects), one source floods at ten
// times its limit while another sends at its normal rate; autocannon generates both loads.
//
// Checks, and exits 1 if one fails: the steady source loses nothing and gets no 429; its median
// latency stays within 1.5x of the same load alone (95th percentile reported); every event the
// flooding source had accepted (200) reaches the stand-in exactly once, and none it was refused.
//
//   node benches/flood.mjs [--seconds=20] [--steady-rate=5] [--flood-limit=50] [--json]
//
// The flooding source's per-client limit is FLOOD_CLIENT_LIMIT, flood-limit requests per 10 s;
// it sends flood-limit requests a second, ten times that. The steady source has the defaults
// (INGEST_CLIENT_LIMIT, INGEST_SOURCE_LIMIT). Latencies are each request's, from autocannon.
import autocannon from "autocannon";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createStandIn } from "../dev/bloomreach-stand-in.mjs";
import { builtWorkerApp, OBJECTS_TOML, removeDir, startWranglerDev } from "../tests/runtimes/support.mjs";

// The flood runs in a worker thread of its own, so its client work (50 requests a second) does
// not delay the steady source's measurements in this thread's event loop.
if (!isMainThread) {
  const { url, name, key, rate, seconds } = workerData;
  parentPort.postMessage(await load(url, name, key, rate, seconds));
  process.exit(0);
}

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? true]));
const SECONDS = Number(args.seconds ?? 20);
const STEADY_RATE = Number(args["steady-rate"] ?? 5); // requests per second, one event each
const FLOOD_LIMIT = Number(args["flood-limit"] ?? 50); // per 10 s: 5 a second allowed
const FLOOD_RATE = (FLOOD_LIMIT / 10) * 10; // ten times the allowed rate
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const PROJECT = "bench-project";
const API_KEY = "bench-api-key";
const STEADY_KEY = "steady-browser-key-1";
const FLOOD_KEY = "flood-browser-key-2";

const standIn = createStandIn({ projectToken: PROJECT, apiKey: API_KEY, log: null });
const { url: standInUrl } = await standIn.listen({ port: 0, host: "127.0.0.1" });
const scratch = builtWorkerApp(
  "segment-bloomreach-flood",
  `[vars]
BLOOMREACH_API_BASE_URL = "${standInUrl}/"
BLOOMREACH_PROJECT_TOKEN = "${PROJECT}"
BLOOMREACH_API_KEY = "${API_KEY}"
SEGMENT_WRITE_KEY = "variables-write-key-0"
ADMIN_TOKEN = "${ADMIN_TOKEN}"

[[ratelimits]]
name = "INGEST_CLIENT_LIMIT"
namespace_id = "7301"
simple = { limit = 100, period = 10 }

[[ratelimits]]
name = "INGEST_SOURCE_LIMIT"
namespace_id = "7302"
simple = { limit = 1000, period = 10 }

[[ratelimits]]
name = "FLOOD_CLIENT_LIMIT"
namespace_id = "7303"
simple = { limit = ${FLOOD_LIMIT}, period = 10 }
${OBJECTS_TOML}`,
);

const worker = await startWranglerDev(scratch, { probe: "/health" });
let failed = false;
try {
  const config = {
    destinations: [{ name: "main", apiBaseUrl: `${standInUrl}/`, projectToken: PROJECT, apiKeySecret: "BLOOMREACH_API_KEY" }],
    sources: [
      { name: "steady", destination: "main", writeKeys: [{ kind: "browser", key: STEADY_KEY }] },
      { name: "flood", destination: "main", writeKeys: [{ kind: "browser", key: FLOOD_KEY }], rateLimits: { perClient: "FLOOD_CLIENT_LIMIT" } },
    ],
  };
  const published = await fetch(`${worker.url}/admin/config`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ config, baseVersion: 0 }),
  });
  if (published.status !== 201) throw new Error(`publish: ${published.status} ${await published.text()}`);

  // Warm-up (isolate, store, ledger objects), then the steady source alone, then both at once.
  await load(worker.url, "warmup", STEADY_KEY, 5, 3);
  const alone = await load(worker.url, "alone", STEADY_KEY, STEADY_RATE, SECONDS);
  await new Promise((done) => setTimeout(done, 11_000)); // a fresh 10-second window for the flood
  const floodThread = new Promise((resolve, reject) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: { url: worker.url, name: "flood", key: FLOOD_KEY, rate: FLOOD_RATE, seconds: SECONDS } });
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  const [loaded, flood] = await Promise.all([load(worker.url, "steady", STEADY_KEY, STEADY_RATE, SECONDS), floodThread]);
  await new Promise((done) => setTimeout(done, 1_000));

  const delivered = new Map();
  for (const command of standIn.received.stored) delivered.set(command.command_id, (delivered.get(command.command_id) ?? 0) + 1);
  const floodDelivered = [...delivered.keys()].filter((id) => id.startsWith("flood-"));
  const twice = [...delivered.entries()].filter(([, n]) => n > 1).map(([id]) => id);
  const missing = [...alone.accepted, ...loaded.accepted, ...flood.accepted].filter((id) => !delivered.has(id));
  // A request still in flight when autocannon stopped has no status here: it may be delivered.
  const refusedIds = new Set(flood.refused);
  const floodRefusedButDelivered = floodDelivered.filter((id) => refusedIds.has(id));
  const unanswered = floodDelivered.filter((id) => !refusedIds.has(id) && !flood.accepted.includes(id)).length;
  const latency = (run) => ({ p50: run.p50, p95: run.p95 });
  const figures = {
    seconds: SECONDS,
    steady: { rate: STEADY_RATE, alone: { statuses: alone.statuses, ...latency(alone) }, flooded: { statuses: loaded.statuses, ...latency(loaded) } },
    flood: { rate: FLOOD_RATE, limitPer10s: FLOOD_LIMIT, statuses: flood.statuses, accepted: flood.accepted.length, delivered: floodDelivered.length },
    medianRatio: Number((latency(loaded).p50 / latency(alone).p50).toFixed(2)),
    deliveredTwice: twice.length,
    acceptedButMissing: missing.length,
    refusedButDelivered: floodRefusedButDelivered.length,
  };
  const checks = [
    ["the steady source got no 429", !loaded.statuses[429] && !alone.statuses[429]],
    ["the steady source lost nothing (every request 200)", Object.keys(loaded.statuses).every((s) => s === "200") && Object.keys(alone.statuses).every((s) => s === "200")],
    ["the steady source's median latency within 1.5x of unloaded", figures.medianRatio <= 1.5],
    ["the flood was limited (some 429s)", (flood.statuses[429] ?? 0) > 0],
    ["every accepted event delivered", missing.length === 0],
    ["nothing delivered twice", twice.length === 0],
    ["no refused flood event delivered", floodRefusedButDelivered.length === 0],
  ];
  if (args.json) console.log(JSON.stringify({ figures, checks: Object.fromEntries(checks) }, null, 1));
  else {
    console.log(`flood benchmark, ${SECONDS} s per phase, wrangler dev on this machine`);
    console.log(`| | requests/s | statuses | median ms | p95 ms |`);
    console.log(`|---|---:|---|---:|---:|`);
    console.log(`| steady, alone | ${STEADY_RATE} | ${JSON.stringify(alone.statuses)} | ${figures.steady.alone.p50} | ${figures.steady.alone.p95} |`);
    console.log(`| steady, beside the flood | ${STEADY_RATE} | ${JSON.stringify(loaded.statuses)} | ${figures.steady.flooded.p50} | ${figures.steady.flooded.p95} |`);
    console.log(`| flood (limit ${FLOOD_LIMIT} per 10 s) | ${FLOOD_RATE} | ${JSON.stringify(flood.statuses)} | ${flood.p50} | ${flood.p95} |`);
    console.log(`median ratio (flooded / alone): ${figures.medianRatio}; flood accepted ${flood.accepted.length}, delivered ${floodDelivered.length} (${unanswered} of them in flight when the load stopped, so without a status here); delivered twice ${twice.length}; accepted but missing ${missing.length}`);
    for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  }
  failed = checks.some(([, ok]) => !ok);
} finally {
  await worker.stop();
  await standIn.close();
  removeDir(scratch);
}
process.exit(failed ? 1 : 0);

/** The `p`th percentile (nearest rank) of response times in ms, to 0.1 ms. */
function percentile(times, p) {
  if (times.length === 0) return null;
  const sorted = [...times].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(1));
}

/** One autocannon run of one source: each request one track event with its own messageId. */
function load(url, name, key, rate, seconds) {
  const statuses = new Map();
  const accepted = [];
  const refused = [];
  const times = [];
  let sequence = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/track`,
        connections: Math.max(2, Math.ceil(rate / 10)),
        overallRate: rate,
        duration: seconds,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
            setupRequest(request, context) {
              context.messageId = `${name}-${process.pid}-${sequence++}`;
              request.body = JSON.stringify({ type: "track", messageId: context.messageId, userId: `u-${sequence % 50}`, event: "Bench", timestamp: new Date().toISOString(), properties: { n: sequence } });
              return request;
            },
            onResponse(status, _body, context) {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              if (status === 200) accepted.push(context.messageId);
            if (status === 429) refused.push(context.messageId);
            },
          },
        ],
      },
      (error) => (error ? reject(error) : resolve({ statuses: Object.fromEntries(statuses), accepted, refused, p50: percentile(times, 50), p95: percentile(times, 95) })),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => times.push(responseTime));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: process.stderr });
  });
}
