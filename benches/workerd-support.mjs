// What the workerd benches share: the bench Workers as Miniflare sees them, an instant upstream,
// the /v1/batch request a Segment library would send, and the workerd process's CPU time.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BASE_BINDINGS, WRITE_KEY, basicAuth, catalogSettings } from "../tests/worker/support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MODULE_RULES = [
  { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];

/**
 * The Rust Worker built in `dir` (build/ or another commit's DIR/build), named `name`, with its
 * delivery ledger's Durable Object class bound as DELIVERY_LEDGER: what the ledger benches call.
 */
export function ledgerObjectWorker(name, dir) {
  return {
    name,
    modules: true,
    modulesRules: MODULE_RULES,
    scriptPath: path.join(dir, "index.js"),
    modulesRoot: dir,
    compatibilityDate: "2026-04-01",
    bindings: BASE_BINDINGS,
    durableObjects: { DELIVERY_LEDGER: { className: "DeliveryLedger", useSQLite: true } },
  };
}

/** Exits with a message when the Rust Worker has not been built. */
export function requireWorkerBuild() {
  if (!existsSync(path.join(root, "build/index.js"))) {
    console.error("build/index.js is missing: run `bash dev/build --worker` first (the Rust Worker is timed from build/)");
    process.exit(2);
  }
}

/** Exits with a message when the npm package's browser build (pkg/web), which a bench times, is missing. */
export function requireNpmWebBuild() {
  if (!existsSync(path.join(root, "pkg/web/segment_bloomreach_bg.wasm"))) {
    console.error("pkg/web is missing: run `bash dev/build` first (the npm package's browser build is timed)");
    process.exit(2);
  }
}

/**
 * Miniflare worker options for the Rust Worker (`rust`, from build/) and the plain-JS Worker
 * (`js`, benches/js/worker.mjs), both sending upstream through `outboundService`; `extra` is
 * added to both.
 */
export function benchWorkers(outboundService, extra = {}) {
  const common = commonOptions(outboundService, extra);
  return [
    {
      ...common,
      name: "rust",
      scriptPath: path.join(root, "build/index.js"),
      modulesRoot: path.join(root, "build"),
      bindings: BASE_BINDINGS,
    },
    plainWorker("js", "worker.mjs", common),
  ];
}

/**
 * The I/O floor (benches/js/io-floor-worker.mjs: the plain-JS Worker with its mapping memoized)
 * as Miniflare sees it, sending upstream through `outboundService`.
 */
export function floorWorker(outboundService) {
  return plainWorker("floor", "io-floor-worker.mjs", commonOptions(outboundService));
}

/**
 * The plain-JS Worker's shell with the npm package's wasm (its browser build) as its mapping
 * (benches/js/npm-shell-worker.mjs), sending upstream through `outboundService`.
 */
export function npmShellWorker(outboundService) {
  requireNpmWebBuild();
  return { ...plainWorker("npm-shell", "npm-shell-worker.mjs", commonOptions(outboundService)), modulesRoot: root };
}

/** What every bench Worker's Miniflare options share. */
function commonOptions(outboundService, extra = {}) {
  return { modules: true, modulesRules: MODULE_RULES, compatibilityDate: "2026-04-01", outboundService, ...extra };
}

function plainWorker(name, file, common) {
  return {
    ...common,
    name,
    scriptPath: path.join(root, "benches/js", file),
    modulesRoot: path.join(root, "benches/js"),
    bindings: { SETTINGS: JSON.stringify(catalogSettings(BASE_BINDINGS)), SEGMENT_WRITE_KEY: WRITE_KEY },
  };
}

/** Keeps the Workers' log lines off the benches' tables. */
export function quietStdio(stdout, stderr) {
  stdout.resume();
  stderr.resume();
}

/** Answers every batch at once with one success per command, counting what it got. */
export function instantUpstream() {
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

/**
 * POSTs `body` to the Worker's /v1/batch as a Segment library would: with its write key and
 * Content-Length (Miniflare's fetch would send the body chunked, which the Rust Worker reads
 * piece by piece to stop at 500 KB). Returns the status and the answer's text.
 */
export async function postBatch(worker, body) {
  const response = await worker.fetch("http://worker.test/v1/batch", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), authorization: basicAuth() },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The pid of the workerd child of this Node process (Miniflare starts exactly one; Linux). */
export function workerdPid() {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error("no workerd child process found (Linux only: it reads /proc)");
}

/**
 * Nanoseconds the process `pid` has spent on a CPU so far, all threads
 * (/proc/<pid>/task/*\/schedstat). Read before and after a request, it gives the CPU that
 * request cost in workerd — what Cloudflare bills a Worker for — without the loopback HTTP hops
 * and Node's own work that a wall-clock time includes.
 */
export function cpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended has nothing more to add.
    }
  }
  return total;
}
