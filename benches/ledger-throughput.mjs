// How much one delivery-ledger object sustains: a driver Worker in the same workerd (Miniflare) sends
// claim + settle pairs of K fresh keys to one object of the Rust Worker's DeliveryLedger class (SQLite
// storage, as wrangler.toml binds it), C pairs in flight, and the table gives requests and keys per
// second of wall time and the workerd CPU per request. One object runs one request at a time, so its
// rate bounds what a key's object can take; the Worker spreads keys over `LEDGER_OBJECTS` objects.
//
//   bash dev/build --worker && node benches/ledger-throughput.mjs [--pairs=2000] [--runs=3]
//
// Locally every object runs in one workerd process on this machine's cores, next to the driver: the
// figures are an order of magnitude, not Cloudflare's (where objects run on many machines).
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BASE_BINDINGS } from "../tests/worker/support.mjs";
import { cpuNs, quietStdio, requireWorkerBuild, workerdPid } from "./workerd-support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { pairs: { type: "string", default: "2000" }, runs: { type: "string", default: "3" } } });
const pairs = Number(values.pairs);
const runs = Number(values.runs);
requireWorkerBuild();

const LEDGER = { className: "DeliveryLedger", scriptName: "rust", useSQLite: true };
const DRIVER = `export default {
  async fetch(request, env) {
    const { keys, pairs, concurrency, objects } = await request.json();
    const stubs = Array.from({ length: objects }, (_, k) => env.LEDGER.get(env.LEDGER.idFromName("ledger-" + k)));
    const prefix = crypto.randomUUID();
    let next = 0;
    // The RPC methods a delivery calls (ledger_object.rs), JSON text both ways.
    const call = (stub, method, body) => stub[method](JSON.stringify(body));
    const lane = async () => {
      while (next < pairs) {
        const i = next++;
        const stub = stubs[i % objects];
        const owner = prefix + "-" + i;
        const batch = Array.from({ length: keys }, (_, k) => "m:" + prefix + "-" + i + "-" + k);
        const claim = JSON.parse(await call(stub, "claimKeys", { owner, leaseMs: 30000, keys: batch }));
        if (claim.done || claim.busy) throw new Error("fresh keys were not claimed: " + JSON.stringify(claim));
        await call(stub, "settleKeys", { owner, delivered: batch });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return Response.json({ requests: pairs * 2 });
  },
};`;

const mf = new Miniflare({
  workers: [
    {
      name: "rust",
      modules: true,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      scriptPath: path.join(root, "build/index.js"),
      modulesRoot: path.join(root, "build"),
      compatibilityDate: "2026-04-01",
      bindings: BASE_BINDINGS,
      durableObjects: { DELIVERY_LEDGER: { className: "DeliveryLedger", useSQLite: true } },
    },
    { name: "driver", modules: true, script: DRIVER, compatibilityDate: "2026-04-01", durableObjects: { LEDGER } },
  ],
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const driver = await mf.getWorker("driver");
  const pid = workerdPid();
  const drive = async (keys, concurrency, objects, count) => {
    const cpuStart = cpuNs(pid);
    const start = performance.now();
    const response = await driver.fetch("http://driver/", { method: "POST", body: JSON.stringify({ keys, pairs: count, concurrency, objects }) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(text);
    return { ms: performance.now() - start, cpuMs: (cpuNs(pid) - cpuStart) / 1e6, requests: JSON.parse(text).requests };
  };
  console.log(`\nOne ledger object: claim + settle pairs of fresh keys, ${pairs} pairs per run, best of ${runs} runs\n`);
  console.log("| keys per request | in flight | objects | requests/s | keys/s (claimed and settled) | workerd CPU per request (ms) |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  for (const [keys, concurrency, objects] of [[1, 8, 1], [12, 8, 1], [50, 8, 1], [100, 8, 1], [12, 8, 8]]) {
    await drive(keys, concurrency, objects, 200); // warm up
    let best;
    for (let run = 0; run < runs; run++) {
      const result = await drive(keys, concurrency, objects, pairs);
      if (!best || result.ms < best.ms) best = result;
    }
    const perSecond = best.requests / (best.ms / 1000);
    console.log(`| ${keys} | ${concurrency} | ${objects} | ${Math.round(perSecond)} | ${Math.round((perSecond / 2) * keys)} | ${(best.cpuMs / best.requests).toFixed(3)} |`);
  }
} finally {
  await mf.dispose();
}
