// What resolving the source costs the Rust Worker: the same build in one workerd (Miniflare), as
// three Workers sending to an instant upstream, no ledger bound, runs interleaved:
//   variables   no CONFIG_STORE: one source from the variables, as before sources existed;
//   stored      CONFIG_STORE bound, a published configuration of three sources and two
//               destinations, the isolate's copy fresh (CONFIG_CACHE_SECONDS=10): the write key
//               digested and looked up on every request, no store call;
//   uncached    the same with CONFIG_CACHE_SECONDS=0: every request asks the store (one Durable
//               Object call), which shows what the cache saves.
// Mean workerd CPU per /v1/batch request (benches/workerd-support.mjs: what Cloudflare bills).
//
//   bash dev/build --worker && node benches/workerd-sources.mjs [--runs=n]
import { Miniflare } from "miniflare";
import { parseArgs } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_TOKEN, BASE_BINDINGS, WRITE_KEY } from "../tests/worker/support.mjs";
import * as corpus from "./corpus.mjs";
import { cpuNs, instantUpstream, postBatch, quietStdio, requireWorkerBuild, workerdPid } from "./workerd-support.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "21" } } });
const runs = Number(values.runs);
requireWorkerBuild();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const BODIES = [["typical", 100], ["typical", 1], ["small", 1]];
const STORE = { className: "ConfigStore", useSQLite: true };
const SECRETS = { BLOOMREACH_API_KEY_EU: "eu-key", BLOOMREACH_API_KEY_US: "us-key", HOOK_SECRET: "hook-secret" };
const CONFIG = {
  destinations: [
    { name: "eu", apiBaseUrl: BASE_BINDINGS.BLOOMREACH_API_BASE_URL, projectToken: "eu-project", apiKeySecret: "BLOOMREACH_API_KEY_EU" },
    { name: "us", apiBaseUrl: BASE_BINDINGS.BLOOMREACH_API_BASE_URL, projectToken: "us-project", apiKeySecret: "BLOOMREACH_API_KEY_US" },
  ],
  sources: [
    { name: "app", destination: "us", writeKeys: [{ kind: "server", key: "app-server-key-1" }, { kind: "browser", key: "app-browser-key-1" }] },
    { name: "hook", destination: "us", webhook: { sharedSecretSecret: "HOOK_SECRET" } },
    { name: "web", destination: "eu", writeKeys: [{ kind: "browser", key: WRITE_KEY }] },
  ],
};

const upstream = instantUpstream();
const worker = (name, bindings, store) => ({
  name,
  modules: true,
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2026-04-01",
  scriptPath: path.join(root, "build/index.js"),
  modulesRoot: path.join(root, "build"),
  outboundService: (request) => upstream.handle(request),
  bindings: { ...BASE_BINDINGS, ...SECRETS, ...bindings },
  ...(store ? { durableObjects: { CONFIG_STORE: STORE } } : {}),
});
const mf = new Miniflare({
  workers: [
    worker("variables", {}, false),
    worker("stored", { CONFIG_CACHE_SECONDS: "10" }, true),
    worker("uncached", { CONFIG_CACHE_SECONDS: "0" }, true),
  ],
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const names = ["variables", "stored", "uncached"];
  const workers = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await mf.getWorker(n)])));
  for (const name of ["stored", "uncached"]) {
    const answer = await workers[name].fetch("http://worker.test/admin/config", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ config: CONFIG, summary: "bench" }),
    });
    if (answer.status !== 201) throw new Error(`publish to ${name}: ${answer.status} ${await answer.text()}`);
  }
  const pid = workerdPid();
  console.log(`\nworkerd CPU (ms) per /v1/batch request, ${runs} runs each, instant upstream, no ledger\n`);
  console.log("| events | variables | stored, cached | stored vs variables | stored, store asked every request | uncached vs variables |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [size, count] of BODIES) {
    const body = corpus.body(size, count);
    const cpu = Object.fromEntries(names.map((n) => [n, 0]));
    const once = async (name, count_ = true) => {
      const start = cpuNs(pid);
      const { status, text } = await postBatch(workers[name], body);
      if (status !== 200) throw new Error(`${name}: ${status} ${text.slice(0, 300)}`);
      if (count_) cpu[name] += cpuNs(pid) - start;
    };
    for (let i = 0; i < 3; i++) for (const name of names) await once(name, false);
    for (let i = 0; i < runs; i++) for (const name of i % 2 ? [...names].reverse() : names) await once(name);
    const ms = (name) => cpu[name] / runs / 1e6;
    console.log(`| ${count} ${size} | ${ms("variables").toFixed(2)} | ${ms("stored").toFixed(2)} | ${(ms("stored") / ms("variables")).toFixed(3)}x | ${ms("uncached").toFixed(2)} | ${(ms("uncached") / ms("variables")).toFixed(3)}x |`);
  }
} finally {
  await mf.dispose();
}
