// Node benchmark: the npm package's text-in/text-out path against JSON.parse+stringify (the JS
// floor) and the plain-JS mapping (benches/js/reference.mjs), on the same corpus bodies.
//
//   node benches/js/node-bench.mjs [--time=ms-per-round] [--rounds=n] [file | ascii:file ...]
//
// Needs the built package (bash dev/build). The three contenders run in interleaved rounds so a
// burst of load from another process hits all of them alike; the table gives the median round.
import { parseArgs } from "node:util";
import * as pkg from "../../pkg/node/index.mjs";
import * as reference from "./reference.mjs";
import * as corpus from "../corpus.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { time: { type: "string", default: "300" }, rounds: { type: "string", default: "7" } },
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
