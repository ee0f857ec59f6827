// Which store the configuration lives in: the same read (the live version of a ~4 KB configuration
// document) from a SQLite-backed Durable Object and from D1, each from a plain-JS Worker in one
// workerd (Miniflare, local: what `wrangler dev` runs), interleaved. Wall time per read as the
// Worker sees it, and the workerd CPU each read costs. A local run measures the stores' own work,
// not Cloudflare's network (a Durable Object is one hop to its colo; D1 one hop to its primary or a
// read replica).
//
//   node benches/config-store-bench.mjs [--reads=n]
import { Miniflare } from "miniflare";
import { parseArgs } from "node:util";
import { cpuNs, quietStdio, workerdPid } from "./workerd-support.mjs";

const { values } = parseArgs({ options: { reads: { type: "string", default: "300" } } });
const reads = Number(values.reads);
const document = JSON.stringify({
  destinations: [{ name: "eu", projectToken: "eu-project", apiKeySecret: "BLOOMREACH_API_KEY_EU" }],
  sources: Array.from({ length: 10 }, (_, i) => ({
    name: `source-${i}`, destination: "eu",
    writeKeys: [{ kind: "browser", sha256: "ab".repeat(32), last4: "abcd" }],
    settings: { trackSessionPing: true, mappings: [{ name: "r", subscribe: 'type = "track"', eventType: "x", properties: { plan: { "@path": "$.properties.plan" } } }] },
  })),
});

const SCHEMA = "CREATE TABLE IF NOT EXISTS versions (version INTEGER PRIMARY KEY, document TEXT NOT NULL); CREATE TABLE IF NOT EXISTS live (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)";
const READ = "SELECT v.version, v.document FROM live JOIN versions v ON v.version = live.version WHERE live.id = 1";

const mf = new Miniflare({
  workers: [
    {
      name: "object",
      modules: true,
      compatibilityDate: "2026-04-01",
      durableObjects: { STORE: { className: "Store", useSQLite: true } },
      bindings: { DOCUMENT: document },
      script: `export class Store {
        constructor(state, env) {
          this.sql = state.storage.sql;
          for (const s of ${JSON.stringify(SCHEMA)}.split("; ")) this.sql.exec(s);
          this.sql.exec("INSERT OR REPLACE INTO versions VALUES (1, ?)", env.DOCUMENT);
          this.sql.exec("INSERT OR REPLACE INTO live VALUES (1, 1)");
        }
        async fetch() { return Response.json(this.sql.exec(${JSON.stringify(READ)}).one()); }
      }
      export default { async fetch(request, env) {
        const stub = env.STORE.get(env.STORE.idFromName("configuration"));
        const row = await (await stub.fetch("https://store/live")).json();
        return new Response(String(row.document.length));
      } };`,
    },
    {
      name: "d1",
      modules: true,
      compatibilityDate: "2026-04-01",
      d1Databases: ["DB"],
      bindings: { DOCUMENT: document },
      script: `let ready;
      export default { async fetch(request, env) {
        ready ??= (async () => {
          for (const s of ${JSON.stringify(SCHEMA)}.split("; ")) await env.DB.prepare(s).run();
          await env.DB.prepare("INSERT OR REPLACE INTO versions VALUES (1, ?)").bind(env.DOCUMENT).run();
          await env.DB.prepare("INSERT OR REPLACE INTO live VALUES (1, 1)").run();
        })();
        await ready;
        const row = await env.DB.prepare(${JSON.stringify(READ)}).first();
        return new Response(String(row.document.length));
      } };`,
    },
  ],
  handleRuntimeStdio: quietStdio,
});
try {
  await mf.ready;
  const workers = { object: await mf.getWorker("object"), d1: await mf.getWorker("d1") };
  const pid = workerdPid();
  const wall = { object: [], d1: [] };
  const cpu = { object: 0, d1: 0 };
  const once = async (name, record = true) => {
    const c = cpuNs(pid);
    const start = performance.now();
    const response = await workers[name].fetch("http://bench/");
    if (Number(await response.text()) !== document.length) throw new Error(`${name}: wrong document`);
    if (!record) return;
    wall[name].push(performance.now() - start);
    cpu[name] += cpuNs(pid) - c;
  };
  for (let i = 0; i < 20; i++) for (const name of ["object", "d1"]) await once(name, false);
  for (let i = 0; i < reads; i++) for (const name of i % 2 ? ["d1", "object"] : ["object", "d1"]) await once(name);
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
  console.log(`\nthe live configuration (${document.length} bytes) read ${reads} times each, local workerd\n`);
  console.log("| store | wall median (ms) | wall p95 (ms) | workerd CPU per read (ms) |");
  console.log("|---|---:|---:|---:|");
  for (const name of ["object", "d1"]) {
    console.log(`| ${name === "object" ? "Durable Object (SQLite)" : "D1"} | ${pct(wall[name], 0.5).toFixed(2)} | ${pct(wall[name], 0.95).toFixed(2)} | ${(cpu[name] / reads / 1e6).toFixed(2)} |`);
  }
} finally {
  await mf.dispose();
}
