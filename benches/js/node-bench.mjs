// Node benchmark: the npm package's text-in/text-out path against JSON.parse+stringify (the JS
// floor) and the plain-JS mapping (benches/js/reference.mjs), on the same corpus bodies.
//
//   node benches/js/node-bench.mjs [--time=ms-per-round] [--rounds=n] [--baseline=dir] [file | ascii:file ...]
//
// Needs the built package (bash dev/build). `--baseline=<pkg dir>` adds another build of the
// package as a contender (e.g. an older commit's, built in a scratch worktree), through
// `buildRequests` and `buildRequestsFromJson` both, for A/B comparisons in one process. The three contenders run in interleaved rounds so a
// burst of load from another process hits all of them alike; the table gives the median round.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import * as pkg from "../../pkg/node/index.mjs";
import * as reference from "./reference.mjs";
import * as corpus from "../corpus.mjs";
import assert from "node:assert/strict";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    time: { type: "string", default: "300" },
    rounds: { type: "string", default: "7" },
    baseline: { type: "string" },
  },
});
const roundMs = Number(values.time);
const rounds = Number(values.rounds);
const files = positionals.length
  ? positionals
  : [
      "batch-small-1.json",
      "batch-small-100.json",
      "batch-typical-1.json",
      "batch-typical-100.json",
      "ascii:batch-typical-100.json",
      "batch-large-100.json",
      "batch-typical-1000.json",
    ];

const settings = corpus.SETTINGS;
const contenders = {
  "JSON.parse+stringify": (text) => JSON.stringify(JSON.parse(text)).length,
  "plain JS mapping": (text) => reference.buildRequestsFromJson(text, settings).requests.length,
  "npm package": (text) => pkg.buildRequestsFromJson(text, settings).requests.length,
};

/** Mean time per call over a round of about `roundMs`. */
function round(fn, text) {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(roundMs) * 1_000_000n;
  let now = start;
  do {
    fn(text);
    n++;
    now = process.hrtime.bigint();
  } while (now < end);
  return Number(now - start) / 1e6 / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (values.baseline) await baselineRun(await import(resolve(values.baseline, "node/index.mjs")));
console.log(`node ${process.version}, ${rounds} rounds of ${roundMs} ms each, median ms per body\n`);
console.log("| body | bytes | JSON.parse+stringify | plain JS mapping | npm package | package vs plain JS |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const file of files) {
  // `ascii:<file>`: the corpus body with every non-ASCII character replaced by `?`, as most
  // Segment traffic is (text crosses into wasm differently when it is all ASCII).
  const text = file.startsWith("ascii:") ? corpus.file(file.slice(6)).replace(/[^\x00-\x7f]/gu, "?") : corpus.file(file);
  for (const fn of Object.values(contenders)) fn(text); // warm up (JIT, wasm instance)
  const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) times[name].push(round(fn, text));
  }
  const [floor, js, wasm] = Object.keys(contenders).map((k) => median(times[k]));
  const speed = (t) => `${(js / t).toFixed(2)}×`;
  console.log(
    `| ${file} | ${text.length} | ${floor.toFixed(3)} | ${js.toFixed(3)} | ${wasm.toFixed(3)} | ${speed(wasm)} |`,
  );
}

/**
 * `--baseline`: this build against another, interleaved, through `buildRequestsFromJson` (the
 * body as text) and `buildRequests` (the body's events as values); then exits.
 */
async function baselineRun(base) {
  const events = new Map();
  const eventsOf = (text) => events.get(text) ?? events.set(text, JSON.parse(text).batch).get(text);
  const pairs = {
    "this build, FromJson": (text) => pkg.buildRequestsFromJson(text, settings).requests.length,
    "baseline, FromJson": (text) => base.buildRequestsFromJson(text, settings).requests.length,
    "this build, buildRequests": (text) => pkg.buildRequests(eventsOf(text), settings).requests.length,
    "baseline, buildRequests": (text) => base.buildRequests(eventsOf(text), settings).requests.length,
  };
  console.log(`node ${process.version}, ${rounds} rounds of ${roundMs} ms each, median ms per body; baseline ${values.baseline}\n`);
  console.log("| body | FromJson: this build | baseline | **this / baseline** | buildRequests: this build | baseline | **this / baseline** |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const file of files) {
    const text = file.startsWith("ascii:") ? corpus.file(file.slice(6)).replace(/[^\x00-\x7f]/gu, "?") : corpus.file(file);
    for (const fn of Object.values(pairs)) fn(text); // warm up
    assert.deepEqual(pkg.buildRequestsFromJson(text, settings), base.buildRequestsFromJson(text, settings));
    const times = Object.fromEntries(Object.keys(pairs).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(pairs)) times[name].push(round(fn, text));
    }
    const [a, b, c, d] = Object.keys(pairs).map((k) => median(times[k]));
    console.log(`| ${file} | ${a.toFixed(4)} | ${b.toFixed(4)} | **${(a / b).toFixed(3)}** | ${c.toFixed(4)} | ${d.toFixed(4)} | **${(c / d).toFixed(3)}** |`);
  }
  process.exit(0);
}
