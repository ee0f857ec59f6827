// The mapping alone inside workerd: the npm package's wasm (its browser build) against the
// plain-JS mapping (benches/js/reference.mjs) and JSON.parse + JSON.stringify, each called many
// times within one request to benches/js/mapping-worker.mjs, timed by workerd's CPU
// (benches/workerd-support.mjs). workerd ships a newer V8 than Node 20, so this shows what the
// same code costs where the Worker runs.
//
//   bash dev/build && node benches/workerd-mapping.mjs [--rounds=n]
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as corpus from "./corpus.mjs";
import { cpuNs, quietStdio, requireNpmWebBuild, workerdPid } from "./workerd-support.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "9" } } });
const rounds = Number(values.rounds);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
requireNpmWebBuild();
const FILES = [
  ["batch-small-1.json", 400],
  ["batch-small-100.json", 20],
  ["batch-typical-1.json", 200],
  ["batch-typical-100.json", 5],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const mf = new Miniflare({
  modules: true,
  scriptPath: path.join(root, "benches/js/mapping-worker.mjs"),
  modulesRoot: root,
  modulesRules: [
    { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2026-04-01",
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const pid = workerdPid();
  console.log(`workerd CPU per mapping call (ms), median of ${rounds} rounds\n`);
  console.log("| body | JSON.parse+stringify | plain JS mapping | npm package (wasm) | npm vs plain JS |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [file, calls] of FILES) {
    await (await mf.dispatchFetch(`http://bench.test/${file}`, { method: "PUT", body: corpus.file(file) })).text();
    const ms = { floor: [], plain: [], npm: [] };
    const once = async (contender) => {
      const body = JSON.stringify({ name: file, settings: corpus.SETTINGS, contender, calls });
      const start = cpuNs(pid);
      const response = await mf.dispatchFetch("http://bench.test/", { method: "POST", body });
      const answer = await response.text();
      if (response.status !== 200) throw new Error(`${contender}: ${response.status} ${answer.slice(0, 200)}`);
      return (cpuNs(pid) - start) / calls / 1e6;
    };
    for (let i = 0; i < 2; i++) for (const c of Object.keys(ms)) await once(c); // warm up (compile, JIT)
    for (let i = 0; i < rounds; i++) for (const c of Object.keys(ms)) ms[c].push(await once(c));
    const [floor, plain, npm] = [median(ms.floor), median(ms.plain), median(ms.npm)];
    console.log(`| ${file} | ${floor.toFixed(3)} | ${plain.toFixed(3)} | ${npm.toFixed(3)} | ${(plain / npm).toFixed(2)}× |`);
  }
} finally {
  await mf.dispose();
}
