// What a delivery-ledger call costs, and how much of it is the floor: a driver Worker sends claim +
// settle pairs of fresh keys, one pair at a time, to one object each of
//   rust      the Rust Worker's DeliveryLedger (build/), by RPC as a delivery calls it;
//   js        benches/js/ledger-object.mjs: the same tables and the same three SQL statements in
//             plain JavaScript, no rules (checked below to be the Rust object's statements);
//   js-read   the same, claims reading only and settles writing nothing (no write, no commit);
//   js-noop   an object that answers at once (the calls alone);
// interleaved, and gives the workerd CPU per pair (µs). The difference between `rust` and `js` is
// what the Rust object adds; between `js` and `js-read`, what the two writes cost.
//
//   bash dev/build --worker && node benches/ledger-floor.mjs [--keys=1,100] [--pairs=200] [--rounds=8]
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuNs, ledgerObjectWorker, quietStdio, requireWorkerBuild, workerdPid } from "./workerd-support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { keys: { type: "string", default: "1,100" }, pairs: { type: "string", default: "200" }, rounds: { type: "string", default: "8" } } });
requireWorkerBuild();

// The JavaScript object must run the Rust object's statements, word for word.
const rustSource = readFileSync(path.join(root, "crates/worker/src/ledger_object.rs"), "utf8");
const jsSource = readFileSync(path.join(root, "benches/js/ledger-object.mjs"), "utf8");
for (const name of ["READ_ENTRIES", "LEASE_ENTRIES", "DELIVER_ENTRIES"]) {
  const rust = rustSource.match(new RegExp(`const ${name}: &str =\\s*"([^"]+)"`))?.[1];
  const js = jsSource.match(new RegExp(`const ${name} = "([^"]+)"`))?.[1];
  if (!rust || rust !== js) throw new Error(`${name} differs between ledger_object.rs and benches/js/ledger-object.mjs`);
}
for (const statement of jsSource.match(/const SCHEMA = \[([^\]]+)\]/)[1].match(/"[^"]+"/g)) {
  if (!rustSource.includes(statement)) throw new Error(`the JavaScript object's ${statement} is not one of ledger_object.rs's`);
}

const DRIVER = `export default {
  async fetch(request, env) {
    const { which, keys, pairs } = await request.json();
    const namespace = which === "rust" ? env.RUST : env.JS;
    const stub = namespace.get(namespace.idFromName("ledger-0"));
    const prefix = crypto.randomUUID();
    for (let i = 0; i < pairs; i++) {
      const batch = Array.from({ length: keys }, (_, k) => prefix + "-" + i + "-" + k);
      const claim = JSON.stringify({ owner: prefix + i, leaseMs: 30000, keys: batch });
      const settle = JSON.stringify({ owner: prefix + i, delivered: batch });
      if (which === "js-noop") { await stub.noop(claim); await stub.noop(settle); }
      else if (which === "js-read") { await stub.readOnly(claim); await stub.noop(settle); }
      else { await stub.claimKeys(claim); await stub.settleKeys(settle); }
    }
    return new Response("ok");
  },
};`;

const mf = new Miniflare({
  workers: [
    ledgerObjectWorker("rust", path.join(root, "build")),
    { name: "js", modules: true, scriptPath: path.join(root, "benches/js/ledger-object.mjs"), compatibilityDate: "2026-04-01", durableObjects: { JS_LEDGER: { className: "JsLedger", useSQLite: true } } },
    {
      name: "driver",
      modules: true,
      script: DRIVER,
      compatibilityDate: "2026-04-01",
      durableObjects: { RUST: { className: "DeliveryLedger", scriptName: "rust", useSQLite: true }, JS: { className: "JsLedger", scriptName: "js", useSQLite: true } },
    },
  ],
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const driver = await mf.getWorker("driver");
  const pid = workerdPid();
  const pairs = Number(values.pairs);
  const contenders = ["rust", "js", "js-read", "js-noop"];
  console.log(`\nworkerd CPU per claim + settle pair of fresh keys (µs), one pair at a time, ${pairs} pairs × ${values.rounds} rounds each, interleaved\n`);
  console.log(`| keys per call | ${contenders.join(" | ")} | rust / js |`);
  console.log(`|---:|${contenders.map(() => "---:").join("|")}|---:|`);
  for (const keys of values.keys.split(",").map(Number)) {
    const drive = (which) => driver.fetch("http://driver/", { method: "POST", body: JSON.stringify({ which, keys, pairs }) }).then((r) => r.text());
    for (const which of contenders) await drive(which); // warm up
    const cpu = Object.fromEntries(contenders.map((c) => [c, 0]));
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const which of contenders) {
        const start = cpuNs(pid);
        await drive(which);
        cpu[which] += cpuNs(pid) - start;
      }
    }
    const us = Object.fromEntries(contenders.map((c) => [c, cpu[c] / Number(values.rounds) / pairs / 1e3]));
    console.log(`| ${keys} | ${contenders.map((c) => us[c].toFixed(0)).join(" | ")} | ${(us.rust / us.js).toFixed(2)}× |`);
  }
} finally {
  await mf.dispose();
}
