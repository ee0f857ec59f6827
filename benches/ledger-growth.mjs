// What a delivery-ledger call costs as an object fills up with a day of keys: a driver Worker
// sends claim + settle pairs of fresh keys to one ledger object of this build (build/) and, with
// --baseline=DIR, of the build in DIR/build, interleaved, and gives the workerd CPU per pair (µs)
// after each chunk of pairs, beside the number of keys the object then holds. The keys are 32
// random hex digits, as the Worker's are (keyed digests), so a batch's writes land all over the
// object's table, as they do in production; benches/ledger-floor.mjs uses keys made in order.
//
//   bash dev/build --worker && node benches/ledger-growth.mjs [--keys=500] [--pairs=20] [--chunks=10] [--baseline=DIR]
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuNs, ledgerObjectWorker, quietStdio, requireWorkerBuild, workerdPid } from "./workerd-support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { keys: { type: "string", default: "500" }, pairs: { type: "string", default: "20" }, chunks: { type: "string", default: "10" }, baseline: { type: "string" } },
});
requireWorkerBuild();

const DRIVER = `export default {
  async fetch(request, env) {
    const { which, keys, pairs } = await request.json();
    const namespace = env[which.toUpperCase()];
    const stub = namespace.get(namespace.idFromName("ledger-0"));
    const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    for (let i = 0; i < pairs; i++) {
      const batch = Array.from({ length: keys }, hex);
      const owner = crypto.randomUUID();
      await stub.claimKeys(JSON.stringify({ owner, leaseMs: 30000, keys: batch }));
      await stub.settleKeys(JSON.stringify({ owner, delivered: batch }));
    }
    return new Response("ok");
  },
};`;

const contenders = ["rust", ...(values.baseline ? ["base"] : [])];
const mf = new Miniflare({
  workers: [
    ledgerObjectWorker("rust", path.join(root, "build")),
    ...(values.baseline ? [ledgerObjectWorker("base", path.join(path.resolve(values.baseline), "build"))] : []),
    {
      name: "driver",
      modules: true,
      script: DRIVER,
      compatibilityDate: "2026-04-01",
      durableObjects: Object.fromEntries(contenders.map((c) => [c.toUpperCase(), { className: "DeliveryLedger", scriptName: c, useSQLite: true }])),
    },
  ],
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const driver = await mf.getWorker("driver");
  const pid = workerdPid();
  const [keys, pairs] = [Number(values.keys), Number(values.pairs)];
  console.log(`\nworkerd CPU per claim + settle pair of ${keys} fresh random keys (µs), ${pairs} pairs per chunk, interleaved${values.baseline ? ` (baseline: ${values.baseline})` : ""}\n`);
  console.log(`| keys the object holds | ${contenders.join(" | ")} |${values.baseline ? " rust / base |" : ""}`);
  console.log(`|---:|${contenders.map(() => "---:").join("|")}|${values.baseline ? "---:|" : ""}`);
  for (let chunk = 1; chunk <= Number(values.chunks); chunk++) {
    const us = {};
    for (const which of contenders) {
      const start = cpuNs(pid);
      await driver.fetch("http://driver/", { method: "POST", body: JSON.stringify({ which, keys, pairs }) }).then((r) => r.text());
      us[which] = (cpuNs(pid) - start) / pairs / 1e3;
    }
    const ratio = values.baseline ? ` ${(us.rust / us.base).toFixed(2)}× |` : "";
    console.log(`| ${(chunk * keys * pairs).toLocaleString("en")} | ${contenders.map((c) => us[c].toFixed(0)).join(" | ")} |${ratio}`);
  }
} finally {
  await mf.dispose();
}
