// Times 100- and 1,000-event /v1/batch requests to the Rust Worker (build/) and to the plain-JS
// Worker (benches/js/worker.mjs) running side by side in one workerd (Miniflare), both delivering
// through Miniflare's outboundService: first to the local Bloomreach stand-in
// (dev/bloomreach-stand-in.mjs), then to an instant upstream that only counts the commands, which
// leaves the Workers' own work (read, authenticate, map, serialize, send) as the difference.
//
//   bash dev/build --worker && node benches/workerd-bench.mjs [--runs=n]
//
// Bodies stay under Segment's 500 KB per request, which the Rust Worker enforces: 100 typical
// (~1.6 KB) events, and 100 and 1,000 small ones. Runs alternate between the Workers; the table
// gives the median wall time of a request (as a sender sees it, loopback hops included) and the
// mean CPU time workerd spent on it (benches/workerd-support.mjs: what Cloudflare bills). Two more
// Workers bound what is possible: the I/O floor (benches/js/io-floor-worker.mjs: the plain-JS
// Worker with its mapping memoized, so all the I/O and none of the mapping) gives the most any
// mapping could gain on the plain-JS Worker, and an empty Worker (reads the body, answers {}) the
// CPU every request costs before any upstream call.
//
// Then the delivery ledger's cost: the Rust Worker with its DELIVERY_LEDGER bound (the Durable
// Objects in the same workerd, so their CPU is counted too) against the same build without it, each
// run with fresh messageIds (else every run after the first would be all ledger hits), and a
// sender's retry of a body already delivered (all hits: nothing goes upstream).
//
//   node benches/workerd-bench.mjs --ledger-only     # only the ledger's table
//   node benches/workerd-bench.mjs --ledger-only --baseline=DIR
//     # ... and the same for the Worker built in DIR/build (another commit's `bash dev/build
//     # --worker`), interleaved in the same run: the ledger's added CPU, this build against it
//
// Then the console's inspector's cost: the Rust Worker with its EVENT_INSPECTOR bound (its capture
// after the answer and its Durable Object writes, at most one per request and one per half
// second, in the same workerd, so their CPU is counted) against the same build without it, 100
// typical events, interleaved. Each request's CPU is read 50 ms after its answer, for both
// Workers alike, so the work done in waitUntil is counted (a write waiting for its window is
// counted in a later request's time).
//
//   node benches/workerd-bench.mjs --inspector-only  # only the inspector's table
//
// The Workers' table with --baseline=DIR also times the Worker built in DIR/build, interleaved
// with the others, each request's CPU beside this build's. --one-event keeps only the one-event
// bodies, against the instant upstream, for the fixed cost a request pays whatever it carries
// (issue 24 item 2); it gives each Worker's mean and median CPU.
// --bodies=small:1000,typical:1 keeps only those of its bodies (size:count) in every table.
// --npm-shell puts, where --baseline's Worker would be, the plain-JS Worker's shell with the npm
// package's wasm as its mapping (benches/js/npm-shell-worker.mjs: what a Worker whose request
// handling is JavaScript, calling the Rust core once per request, would cost; needs bash dev/build).
//
//   node benches/workerd-bench.mjs --one-event --runs=300 --baseline=DIR
//   node benches/workerd-bench.mjs --one-event --runs=2000 --npm-shell
import { Miniflare } from "miniflare";
import path from "node:path";
import { parseArgs } from "node:util";
import { createStandIn } from "../dev/bloomreach-stand-in.mjs";
import { PROJECT_TOKEN, API_KEY, BASE_BINDINGS } from "../tests/worker/support.mjs";
import * as corpus from "./corpus.mjs";
import { benchWorkers, cpuNs, floorWorker, instantUpstream, npmShellWorker, postBatch, quietStdio, requireWorkerBuild, workerdPid } from "./workerd-support.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    "ledger-only": { type: "boolean", default: false },
    "inspector-only": { type: "boolean", default: false },
    "one-event": { type: "boolean", default: false },
    baseline: { type: "string" },
    "npm-shell": { type: "boolean", default: false },
    // Only these bodies of BODIES, as size:count pairs: --bodies=small:1000,typical:1
    bodies: { type: "string" },
  },
});
const runs = Number(values.runs);
requireWorkerBuild();
if (values["npm-shell"] && (values.baseline || values["ledger-only"] || values["inspector-only"])) {
  console.error("--npm-shell takes the Workers' table's --baseline place: not with --baseline, --ledger-only or --inspector-only");
  process.exit(2);
}
/** The Worker in the Workers' table's second Rust column, if any, and what its columns are called. */
const other = values.baseline ? "baseline Rust" : values["npm-shell"] ? "JS shell + npm wasm" : null;

const ALL_BODIES = [
  // One event per request: what analytics.js sends, most of a browser source's traffic.
  ["typical", 1],
  ["small", 1],
  ["typical", 100],
  ["small", 100],
  ["small", 1000],
];
const BODIES = values.bodies
  ? values.bodies.split(",").map((pair) => {
      const [size, count] = pair.split(":");
      if (!ALL_BODIES.some(([s, c]) => s === size && c === Number(count))) throw new Error(`--bodies: no body ${pair} (${ALL_BODIES.map((b) => b.join(":")).join(", ")})`);
      return [size, Number(count)];
    })
  : ALL_BODIES;
const signed = (x, digits) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(digits)}`;
/**
 * One /v1/batch request to `workers[name]`, after resetting the upstream's count: its wall time
 * (as the sender sees it) and the workerd CPU it cost, read `settleMs` after the answer (work
 * done after the answer, in waitUntil, is counted then); a non-200 answer throws.
 */
async function timed(workers, name, body, { pid, upstream, settleMs = 0 }) {
  upstream.received.reset();
  const cpuStart = cpuNs(pid);
  const start = performance.now();
  const { status, text } = await postBatch(workers[name], body);
  const ms = performance.now() - start;
  if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const cpu = cpuNs(pid) - cpuStart;
  if (status !== 200) throw new Error(`${name} Worker answered ${status}: ${text.slice(0, 300)}`);
  return { ms, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label, upstream, delivered) {
  const outboundService = (request) => upstream.handle(request);
  const mf = new Miniflare({
    workers: [
      ...benchWorkers(outboundService),
      ...(values.baseline ? [baselineWorker(benchWorkers(outboundService)[0])] : []),
      ...(values["npm-shell"] ? [{ ...npmShellWorker(outboundService), name: "base" }] : []),
      floorWorker(outboundService),
      {
        name: "empty",
        modules: true,
        script: "export default { async fetch(request) { await request.arrayBuffer(); return Response.json({}); } };",
        compatibilityDate: "2026-04-01",
      },
    ],
    handleRuntimeStdio: quietStdio,
  });
  try {
    await mf.ready;
    const names = ["rust", ...(other ? ["base"] : []), "js", "floor", "empty"];
    const workers = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await mf.getWorker(name)])));
    const pid = workerdPid();
    console.log(`\n${label}: ms per /v1/batch request, ${runs} runs each\n`);
    if (other) {
      console.log(`(${values.baseline ? `baseline: ${values.baseline}` : "the npm package's wasm in the plain-JS Worker's shell"}; CPU as mean / median per request)\n`);
      const short = values.baseline ? "baseline" : "JS shell";
      console.log(`| events | CPU: plain JS | Rust | ${other} | I/O floor | empty | **Rust / JS** | ${short} / JS | **Rust / ${short}** | wall: JS / Rust / ${short} |`);
      console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    } else {
      console.log("| events | body bytes | wall, plain JS | wall, Rust | wall, I/O floor | Rust vs JS | floor vs JS (the most possible) | CPU, empty Worker | CPU, plain JS | CPU, Rust | CPU, I/O floor | Rust vs JS | floor vs JS (the most possible) |");
      console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    for (const [size, count] of BODIES.filter(([, count]) => !values["one-event"] || count === 1)) {
      const body = corpus.body(size, count);
      const once = async (name) => {
        const { ms, cpu: used } = await timed(workers, name, body, { pid, upstream });
        cpu[name] += used;
        cpus[name].push(used);
        if (name !== "empty" && delivered() < count) throw new Error(`${name} Worker delivered ${delivered()} of ${count} commands`);
        return ms;
      };
      const zero = () => Object.fromEntries(names.map((name) => [name, 0]));
      const cpu = zero();
      const cpus = Object.fromEntries(names.map((name) => [name, []]));
      for (let i = 0; i < 2; i++) for (const name of names) await once(name); // warm up (compile, JIT, the floor's memo)
      Object.assign(cpu, zero());
      for (const name of names) cpus[name] = [];
      const times = Object.fromEntries(names.map((name) => [name, []]));
      for (let i = 0; i < runs; i++) for (const name of names) times[name].push(await once(name));
      const [js, rust, floor] = [median(times.js), median(times.rust), median(times.floor)];
      if (other) {
        const mean = Object.fromEntries(names.map((name) => [name, cpu[name] / runs / 1e6]));
        const mid = Object.fromEntries(names.map((name) => [name, median(cpus[name]) / 1e6]));
        const both = (name) => `${mean[name].toFixed(2)} / ${mid[name].toFixed(2)}`;
        const ratio = (a, b) => `${(mean[a] / mean[b]).toFixed(2)}× / ${(mid[a] / mid[b]).toFixed(2)}×`;
        console.log(
          `| ${count} ${size} | ${both("js")} | ${both("rust")} | ${both("base")} | ${both("floor")} | ${both("empty")} | ` +
            `**${ratio("rust", "js")}** | ${ratio("base", "js")} | **${ratio("rust", "base")}** | ${js.toFixed(1)} / ${rust.toFixed(1)} / ${median(times.base).toFixed(1)} |`,
        );
        continue;
      }
      const [emptyCpu, jsCpu, rustCpu, floorCpu] = [cpu.empty, cpu.js, cpu.rust, cpu.floor].map((ns) => ns / runs / 1e6);
      console.log(
        `| ${count} ${size} | ${body.length} | ${js.toFixed(1)} | ${rust.toFixed(1)} | ${floor.toFixed(1)} | ` +
          `${(js / rust).toFixed(2)}× | ${(js / floor).toFixed(2)}× | ` +
          `${emptyCpu.toFixed(1)} | ${jsCpu.toFixed(1)} | ${rustCpu.toFixed(1)} | ${floorCpu.toFixed(1)} | ` +
          `${(jsCpu / rustCpu).toFixed(2)}× | ${(jsCpu / floorCpu).toFixed(2)}× |`,
      );
    }
  } finally {
    await mf.dispose();
  }
}

/** The Worker built in `--baseline`'s DIR/build, as `rust` is set up but named `base`. */
function baselineWorker(rust) {
  return { ...rust, name: "base", scriptPath: path.join(values.baseline, "build/index.js"), modulesRoot: path.join(values.baseline, "build") };
}

/** The Rust Worker with and without its delivery ledger, and a retry answered from the ledger. */
async function measureLedger(label, upstream, delivered) {
  const outboundService = (request) => upstream.handle(request);
  const [rust] = benchWorkers(outboundService);
  const ledgerOf = (worker, name) => ({ ...worker, name, durableObjects: { DELIVERY_LEDGER: { className: "DeliveryLedger", useSQLite: true } } });
  const workersList = [rust, ledgerOf(rust, "rust-ledger")];
  const baseline = values.baseline && baselineWorker(rust);
  if (baseline) workersList.push(baseline, ledgerOf(baseline, "base-ledger"));
  const mf = new Miniflare({ workers: workersList, handleRuntimeStdio: quietStdio });
  try {
    await mf.ready;
    const names = baseline ? ["rust", "rust-ledger", "base", "base-ledger"] : ["rust", "rust-ledger"];
    const workers = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await mf.getWorker(name)])));
    const pid = workerdPid();
    // A one-event request costs a few ms, so its ledger's share is a small difference of two
    // noisy figures: those bodies run four times as often.
    const runsOf = (count) => (count === 1 ? runs * 4 : runs);
    console.log(`\n${label}: the delivery ledger's cost, ms per /v1/batch request, ${runs} runs each (${runs * 4} for one event)\n`);
    if (baseline) {
      console.log(`(baseline: ${values.baseline})\n`);
      console.log("| events | CPU: Rust | Rust + ledger | ledger's cost | baseline: Rust | baseline + ledger | baseline ledger's cost | ledger's cost, this / baseline | a retry (all hits): this / baseline CPU |");
      console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    } else {
      console.log("| events | wall: Rust | Rust + ledger | ledger's cost | CPU: Rust | Rust + ledger | ledger's cost | a retry of a delivered body (all ledger hits): wall / CPU |");
      console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    }
    let fresh = 0;
    for (const [size, count] of BODIES) {
      const template = corpus.body(size, count);
      const once = async (name, body, expected) => {
        const result = await timed(workers, name, body, { pid, upstream });
        if (delivered() !== expected) throw new Error(`${name} Worker delivered ${delivered()} commands, expected ${expected}`);
        return result;
      };
      const times = { rust: [], "rust-ledger": [], retry: [], base: [], "base-ledger": [], "base-retry": [] };
      const cpu = { rust: 0, "rust-ledger": 0, retry: 0, base: 0, "base-ledger": 0, "base-retry": 0 };
      const runs = runsOf(count);
      for (let i = -2; i < runs; i++) {
        // Fresh messageIds for every run, the same for both Workers (each has its own ledger).
        const body = template.replaceAll('"messageId":"', `"messageId":"run${fresh++}-`);
        for (const name of names) {
          const first = await once(name, body, count);
          if (i >= 0) {
            times[name].push(first.ms);
            cpu[name] += first.cpu;
          }
        }
        for (const [worker, key] of baseline ? [["rust-ledger", "retry"], ["base-ledger", "base-retry"]] : [["rust-ledger", "retry"]]) {
          const retry = await once(worker, body, 0);
          if (i >= 0) {
            times[key].push(retry.ms);
            cpu[key] += retry.cpu;
          }
        }
      }
      if (baseline) {
        const [r, rl, b, bl, rr, br] = ["rust", "rust-ledger", "base", "base-ledger", "retry", "base-retry"].map((k) => cpu[k] / runs / 1e6);
        console.log(`| ${count} ${size} | ${r.toFixed(1)} | ${rl.toFixed(1)} | +${(rl - r).toFixed(1)} | ${b.toFixed(1)} | ${bl.toFixed(1)} | +${(bl - b).toFixed(1)} | **${((rl - r) / (bl - b)).toFixed(2)}×** | ${rr.toFixed(1)} / ${br.toFixed(1)} |`);
        continue;
      }
      const [plain, ledger, retry] = [median(times.rust), median(times["rust-ledger"]), median(times.retry)];
      const [plainCpu, ledgerCpu, retryCpu] = [cpu.rust, cpu["rust-ledger"], cpu.retry].map((ns) => ns / runs / 1e6);
      console.log(
        `| ${count} ${size} | ${plain.toFixed(1)} | ${ledger.toFixed(1)} | +${(ledger - plain).toFixed(1)} | ` +
          `${plainCpu.toFixed(1)} | ${ledgerCpu.toFixed(1)} | +${(ledgerCpu - plainCpu).toFixed(1)} | ${retry.toFixed(1)} / ${retryCpu.toFixed(1)} |`,
      );
    }
  } finally {
    await mf.dispose();
  }
}

/** The Rust Worker with and without the console's inspector (100 typical events, interleaved). */
async function measureInspector(label, upstream, delivered) {
  const outboundService = (request) => upstream.handle(request);
  const [rust] = benchWorkers(outboundService);
  const withInspector = { ...rust, name: "rust-inspector", durableObjects: { EVENT_INSPECTOR: { className: "EventInspector", useSQLite: true } } };
  const mf = new Miniflare({ workers: [rust, withInspector], handleRuntimeStdio: quietStdio });
  try {
    await mf.ready;
    const names = ["rust", "rust-inspector"];
    const workers = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await mf.getWorker(name)])));
    const pid = workerdPid();
    const body = corpus.body("typical", 100);
    const once = async (name) => {
      // The inspector's write runs after the answer: give it time, both Workers alike.
      const result = await timed(workers, name, body, { pid, upstream, settleMs: 50 });
      if (delivered() < 100) throw new Error(`${name} Worker delivered ${delivered()} commands`);
      return result;
    };
    const times = { rust: [], "rust-inspector": [] };
    const cpu = { rust: 0, "rust-inspector": 0 };
    for (let i = -2; i < runs; i++) {
      for (const name of names) {
        const run = await once(name);
        if (i >= 0) {
          times[name].push(run.ms);
          cpu[name] += run.cpu;
        }
      }
    }
    // Every request was counted (the last window's write given time to land).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const overview = await (await workers["rust-inspector"].fetch("http://worker.test/admin/overview", { headers: { authorization: `Bearer ${BASE_BINDINGS.ADMIN_TOKEN}` } })).json();
    const received = overview.total.lastHour.received;
    const [plain, inspected] = [median(times.rust), median(times["rust-inspector"])];
    const [plainCpu, inspectedCpu] = [cpu.rust, cpu["rust-inspector"]].map((ns) => ns / runs / 1e6);
    console.log(`\n${label}: the inspector's cost, ms per /v1/batch request of 100 typical events, ${runs} runs each\n`);
    console.log("| wall: Rust | Rust + inspector | CPU: Rust | Rust + inspector | inspector's CPU | events counted by the inspector |");
    console.log("|---:|---:|---:|---:|---:|---:|");
    console.log(
      `| ${plain.toFixed(1)} | ${inspected.toFixed(1)} | ${plainCpu.toFixed(1)} | ${inspectedCpu.toFixed(1)} | ` +
        `${signed(inspectedCpu - plainCpu, 2)} (${signed(((inspectedCpu - plainCpu) / plainCpu) * 100, 1)} %) | ${received} of ${(runs + 2) * 100} |`,
    );
  } finally {
    await mf.dispose();
  }
}

const standIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
const instant = instantUpstream();
if (values["one-event"]) {
  await measure("Against an instant upstream (the Workers' own work)", instant, () => instant.received.commands);
  process.exit(0);
}
if (!values["ledger-only"] && !values["inspector-only"]) {
  await measure("Against the Bloomreach stand-in", standIn, () => standIn.received.stored.length);
  await measure("Against an instant upstream (the Workers' own work)", instant, () => instant.received.commands);
}
if (!values["inspector-only"]) await measureLedger("Against an instant upstream", instant, () => instant.received.commands);
if (!values["ledger-only"]) await measureInspector("Against an instant upstream", instant, () => instant.received.commands);
