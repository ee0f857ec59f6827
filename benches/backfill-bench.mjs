// The backfill CLI's speed and memory on this machine, and where its time goes.
//
//   node benches/backfill-bench.mjs [--events=100000] [--files=4] [--size=typical]
//        [--concurrency=6] [--no-send] [--profile]
//
// Needs `bash dev/build`. Generates a Segment export of --events corpus events (benches/corpus.mjs,
// call types mixed as production traffic; cached in target/bench-backfill/), then:
//   1. the reading stages alone, in this process, each including the ones before it:
//      gunzip, + splitting lines, + JSON.parse of each line, + mapping in chunks of 500 (the CLI's
//      buildRequestsFromJson calls);
//   2. the CLI with --dry-run (reads and maps, sends nothing; it also parses each request body to
//      count commands per event type);
//   3. the CLI sending to the stand-in (its CLI, --quiet --ids-only, no faults: an instant Bloomreach) at
//      --rate 1000000, checked to have stored every command once; with --profile, the CLI's
//      main-thread CPU profile summed by what the code does.
// Each CLI run reports wall time, CPU (user + system, every thread) and peak memory (max RSS,
// from /usr/bin/time).

import { execFileSync, spawn } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip, createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { MIX, event } from "./corpus.mjs";
import { lineBatches } from "../pkg/cli/input.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, "").split("=");
  return [k, v ?? true];
}));
const EVENTS = Number(args.events ?? 100_000);
const FILES = Number(args.files ?? 4);
const SIZE = args.size ?? "typical";
const CONCURRENCY = Number(args.concurrency ?? 6);
const CHUNK = 500;
const { buildRequestsFromJson } = createRequire(import.meta.url)(join(ROOT, "pkg/node/index.cjs"));
const BIN = join(ROOT, "pkg/cli/bin.mjs");
const TOKEN = "bench-project";
const KEY = "bench-key";

const n = (x) => new Intl.NumberFormat("en-US").format(Math.round(x));
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** The export's files, generated once per (events, files, size). */
async function exportFiles() {
  const dir = join(ROOT, "target/bench-backfill", `${EVENTS}-${FILES}-${SIZE}`);
  const paths = Array.from({ length: FILES }, (_, f) => join(dir, `export-${f + 1}.json.gz`));
  if (paths.every((p) => existsSync(p))) return { dir, paths };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const perFile = Math.ceil(EVENTS / FILES);
  for (let f = 0; f < FILES; f++) {
    const first = f * perFile;
    const last = Math.min(EVENTS, first + perFile);
    async function* lines() {
      for (let i = first; i < last; i++) yield JSON.stringify(event(MIX[i % MIX.length], SIZE, i)) + "\n";
    }
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(paths[f]));
  }
  return { dir, paths };
}

function cpuSeconds(usage) {
  return (usage.user + usage.system) / 1e6;
}

/** Runs `stage(path)` over every file; wall and CPU seconds of this whole process. */
async function timed(paths, stage) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let count = 0;
  for (const path of paths) count += await stage(path);
  return { wall: Number(process.hrtime.bigint() - started) / 1e9, cpu: cpuSeconds(process.cpuUsage(cpu)), count };
}

function gunzipped(path) {
  return createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
}

const STAGES = {
  gunzip: async (path) => {
    let bytes = 0;
    for await (const chunk of gunzipped(path)) bytes += chunk.length;
    return bytes;
  },
  "+ lines": async (path) => {
    let lines = 0;
    for await (const batch of lineBatches(gunzipped(path))) lines += batch.length;
    return lines;
  },
  "+ JSON.parse": async (path) => {
    let lines = 0;
    for await (const batch of lineBatches(gunzipped(path))) {
      for (const line of batch) {
        JSON.parse(line);
        lines += 1;
      }
    }
    return lines;
  },
  "+ map (buildRequestsFromJson)": async (path) => {
    let commands = 0;
    let chunk = [];
    const flush = () => {
      for (const request of buildRequestsFromJson("[\n" + chunk.join(",\n") + "\n]", SETTINGS).requests) commands += request.events?.length ?? 0;
      chunk = [];
    };
    for await (const batch of lineBatches(gunzipped(path))) {
      for (const line of batch) {
        JSON.parse(line);
        chunk.push(line);
        if (chunk.length === CHUNK) flush();
      }
    }
    if (chunk.length > 0) flush();
    return commands;
  },
};

let SETTINGS = { apiBaseUrl: "http://127.0.0.1:1/", apiKey: KEY, projectToken: TOKEN, exponeaHardId: "registered", exponeaSoftId: "cookie" };

/** Runs the CLI under /usr/bin/time; its JSON summary, wall, CPU and max RSS. */
function runCli(cliArgs, { profileDir } = {}) {
  const node = [...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), BIN, ...cliArgs];
  return new Promise((resolveRun, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "\n%e %U %S %M", process.execPath, ...node], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => {
      const last = stderr.trim().split("\n").pop().split(" ").map(Number);
      if (code !== 0) return reject(new Error(`CLI exited ${code}: ${stderr}`));
      resolveRun({ summary: JSON.parse(stdout), wall: last[0], cpu: last[1] + last[2], rssMb: last[3] / 1024 });
    });
  });
}

/** The stand-in's CLI on a free port; its URL, and its CPU seconds so far (from /proc). */
async function startStandIn() {
  const child = spawn(process.execPath, [join(ROOT, "dev/bloomreach-stand-in.mjs"), "--port", "0", "--quiet", "--ids-only", "--project-token", TOKEN, "--api-key", KEY], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`stand-in exited ${code}`)));
  });
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  const cpu = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticks; // utime + stime
  };
  return { url, cpu, child };
}

/** Sums a V8 CPU profile's self time by what the code does. */
function profileByKind(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const kind = ({ functionName: fn, url }) => {
    if (fn === "(garbage collector)") return "garbage collection";
    if (fn === "(idle)") return "idle (waiting for answers or input)";
    if (fn === "(program)") return "V8 / native, unattributed";
    if (url.startsWith("wasm://") || /segment_bloomreach|\/src\/api\.js/.test(url)) return "map: wasm core and its JS wrapper";
    if (url === "" && fn === "parse") return "JSON.parse";
    if (fn === "writev" || fn === "writeUtf8String" || /undici|webstreams|encoding|js_transferable|node:(internal\/)?(http|net|dns|tls|_http)|internal\/deps/.test(url)) return "send: fetch (undici), sockets";
    if (/zlib|stream/.test(url)) return "read: streams, zlib glue";
    if (/\/cli\/input\.mjs/.test(url)) return "read: splitting lines";
    if (/\/cli\//.test(url)) return "CLI: JSON.parse of each line, bookkeeping";
    return url === "" ? "V8 builtins (strings, arrays, ...)" : "other Node internals";
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const k = kind(node.callFrame);
    totals.set(k, (totals.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1e6, (us / all) * 100]);
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, row] of rows.entries()) {
    console.log("  " + row.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("   "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("   "));
  }
}

const { paths } = await exportFiles();
const compressed = paths.reduce((s, p) => s + statSync(p).size, 0);
console.log(`export: ${n(EVENTS)} ${SIZE} events in ${FILES} gzipped files, ${mb(compressed)} (node ${process.version}, ${execFileSync("nproc", { encoding: "utf8" }).trim()} cores)`);

const stageRows = [["stage (cumulative)", "wall s", "CPU s", "events/s"]];
let uncompressed = 0;
for (const [name, stage] of Object.entries(STAGES)) {
  const result = await timed(paths, stage);
  if (name === "gunzip") uncompressed = result.count;
  stageRows.push([name, result.wall.toFixed(2), result.cpu.toFixed(2), n(EVENTS / result.wall)]);
}
console.log(`\nreading, in this process (${mb(uncompressed)} of JSON Lines):`);
table(stageRows);

const dir = join(tmpdir(), `backfill-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });
const settingsPath = join(dir, "settings.json");
writeFileSync(settingsPath, JSON.stringify(SETTINGS));
const cliRows = [["CLI run", "wall s", "CPU s", "events/s", "peak RSS"]];
const dry = await runCli(["backfill", "--settings", settingsPath, "--dry-run", "--json", ...paths]);
cliRows.push(["--dry-run", dry.wall.toFixed(2), dry.cpu.toFixed(2), n(EVENTS / dry.wall), `${dry.rssMb.toFixed(0)} MB`]);

let profile = null;
if (!args["no-send"]) {
  const standIn = await startStandIn();
  try {
    SETTINGS = { ...SETTINGS, apiBaseUrl: standIn.url };
    writeFileSync(settingsPath, JSON.stringify(SETTINGS));
    const before = standIn.cpu();
    const profileDir = args.profile ? join(dir, "profile") : undefined;
    const sent = await runCli(["backfill", "--settings", settingsPath, "--json", "--rate", "1000000", "--concurrency", String(CONCURRENCY), ...paths], { profileDir });
    const standInCpu = standIn.cpu() - before;
    const counts = await (await fetch(`${standIn.url}/__stand-in/counts`)).json();
    if (sent.summary.delivered !== EVENTS || counts.distinctCommandIds !== counts.stored || counts.stored !== dry.summary.wouldSend.commands) {
      throw new Error(`not every event stored once: ${sent.summary.delivered} delivered, ${JSON.stringify(counts)}`);
    }
    cliRows.push([`send, concurrency ${CONCURRENCY}`, sent.wall.toFixed(2), sent.cpu.toFixed(2), n(EVENTS / sent.wall), `${sent.rssMb.toFixed(0)} MB`]);
    cliRows.push(["  the stand-in meanwhile", "", standInCpu.toFixed(2), "", ""]);
    console.log(`\nsent: ${n(sent.summary.requests)} requests, ${n(counts.stored)} commands stored once each`);
    if (profileDir) profile = profileByKind(profileDir);
  } finally {
    standIn.child.kill("SIGINT");
  }
}
console.log(`\nthe CLI (a child process; CPU is user + system over all its threads):`);
table(cliRows);
if (profile) {
  console.log("\nthe sending CLI's main thread, by what it does (V8 CPU profile, self time):");
  table([["what", "s", "%"], ...profile.map(([k, s, pct]) => [k, s.toFixed(2), pct.toFixed(1)])]);
}
rmSync(dir, { recursive: true, force: true });
