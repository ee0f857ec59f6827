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
// mean CPU time workerd spent on it (benches/workerd-cpu.mjs: what Cloudflare bills). A third,
// empty Worker (reads the body, answers {}) gives the CPU every request costs before any mapping.
import { Miniflare } from "miniflare";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createStandIn } from "../dev/bloomreach-stand-in.mjs";
import { BASE_BINDINGS, PROJECT_TOKEN, API_KEY, WRITE_KEY, basicAuth, catalogSettings } from "../tests/worker/support.mjs";
import * as corpus from "./corpus.mjs";
import { cpuNs, workerdPid } from "./workerd-cpu.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(values.runs);

if (!existsSync(path.join(root, "build/index.js"))) {
  console.error("build/index.js is missing: run `bash dev/build --worker` first (the Rust Worker is timed from build/)");
  process.exit(2);
}

const MODULE_RULES = [
  { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];
const BODIES = [
  ["typical", 100],
  ["small", 100],
  ["small", 1000],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Answers every batch at once with one success per command, counting what it got. */
function instantUpstream() {
  const received = { commands: 0, reset() { this.commands = 0; } };
  return {
    received,
    async handle(request) {
      const { commands } = JSON.parse(await request.text());
      received.commands += commands.length;
      const results = commands.map((c) => ({ success: true, command_id: c.command_id }));
      return Response.json({ success: true, results });
    },
  };
}

async function measure(label, upstream, delivered) {
  const outboundService = (request) => upstream.handle(request);
  const mf = new Miniflare({
    workers: [
      {
        name: "rust",
        modules: true,
        scriptPath: path.join(root, "build/index.js"),
        modulesRoot: path.join(root, "build"),
        modulesRules: MODULE_RULES,
        compatibilityDate: "2026-04-01",
        bindings: BASE_BINDINGS,
        outboundService,
      },
      {
        name: "empty",
        modules: true,
        script: "export default { async fetch(request) { await request.arrayBuffer(); return Response.json({}); } };",
        compatibilityDate: "2026-04-01",
      },
      {
        name: "js",
        modules: true,
        scriptPath: path.join(root, "benches/js/worker.mjs"),
        modulesRoot: path.join(root, "benches/js"),
        modulesRules: MODULE_RULES,
        compatibilityDate: "2026-04-01",
        bindings: { SETTINGS: JSON.stringify(catalogSettings(BASE_BINDINGS)), SEGMENT_WRITE_KEY: WRITE_KEY },
        outboundService,
      },
    ],
    // The Rust Worker logs a JSON line per request and per upstream call; keep them off the table.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  try {
    await mf.ready;
    const names = ["rust", "js", "empty"];
    const workers = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await mf.getWorker(name)])));
    const pid = workerdPid();
    console.log(`\n${label}: ms per /v1/batch request, ${runs} runs each\n`);
    console.log("| events | body bytes | wall, plain JS | wall, Rust | Rust vs JS | CPU, empty Worker | CPU, plain JS | CPU, Rust | Rust vs JS | Rust vs JS above empty |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const [size, count] of BODIES) {
      const body = corpus.body(size, count);
      const once = async (name) => {
        upstream.received.reset();
        const cpuStart = cpuNs(pid);
        const start = performance.now();
        const response = await workers[name].fetch("http://worker.test/v1/batch", {
          method: "POST",
          // Content-Length as every Segment library sends it (Miniflare's fetch would send the
          // body chunked, which the Rust Worker reads piece by piece to stop at 500 KB).
          headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), authorization: basicAuth() },
          body,
        });
        const text = await response.text();
        const ms = performance.now() - start;
        cpu[name] += cpuNs(pid) - cpuStart;
        if (response.status !== 200) throw new Error(`${name} Worker answered ${response.status}: ${text.slice(0, 300)}`);
        if (name !== "empty" && delivered() < count) throw new Error(`${name} Worker delivered ${delivered()} of ${count} commands`);
        return ms;
      };
      const cpu = { rust: 0, js: 0, empty: 0 };
      for (let i = 0; i < 2; i++) for (const name of names) await once(name); // warm up (compile, JIT)
      Object.assign(cpu, { rust: 0, js: 0, empty: 0 });
      const times = { rust: [], js: [], empty: [] };
      for (let i = 0; i < runs; i++) for (const name of names) times[name].push(await once(name));
      const [js, rust] = [median(times.js), median(times.rust)];
      const [emptyCpu, jsCpu, rustCpu] = [cpu.empty, cpu.js, cpu.rust].map((ns) => ns / runs / 1e6);
      console.log(
        `| ${count} ${size} | ${body.length} | ${js.toFixed(1)} | ${rust.toFixed(1)} | ${(js / rust).toFixed(2)}× | ` +
          `${emptyCpu.toFixed(1)} | ${jsCpu.toFixed(1)} | ${rustCpu.toFixed(1)} | ${(jsCpu / rustCpu).toFixed(2)}× | ` +
          `${((jsCpu - emptyCpu) / (rustCpu - emptyCpu)).toFixed(2)}× |`,
      );
    }
  } finally {
    await mf.dispose();
  }
}

const standIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
await measure("Against the Bloomreach stand-in", standIn, () => standIn.received.stored.length);
const instant = instantUpstream();
await measure("Against an instant upstream (the Workers' own work)", instant, () => instant.received.commands);
