// Node benchmark of the rules (issue 12): mapping-kit and FQL evaluated by the npm package against
// Segment's own packages, on the same rules (benches/js/rules-engine.mjs) and corpus events.
//
//   node benches/js/rules-bench.mjs [--time=ms-per-round] [--rounds=n] [--only=rules|transform] [--clock=cpu|wall]
//
// (a) The product path: the package's buildRequests(events, {...settings, mappings: RULES})
//     against a JavaScript rules engine built on Segment's packages (parseFql once, validate per
//     event and rule, actions-core transform per matching rule, the classic plain-JS mapping for
//     what no rule takes, the same packing), checked to give the same requests before it is
//     timed; beside them, the JS rules evaluation alone (validate + transform, nothing packed)
//     and the package with no rules.
// (b) The function itself: the package's transform(mapping, payload) and compileMapping(mapping)
//     .transform(payload) against actions-core's transform(mapping, payload), on a one-@path and a
//     ten-field mapping, over a small and a typical event; and compileMapping(mapping)
//     .transformMany(payloads) on a list of 100 such events, timed per payload.
//
// Needs the built package (bash dev/build). Contenders run in interleaved rounds, so a burst of
// load from another process hits all of them alike; each table cell is the median round. Rounds
// are timed by the process's CPU time (`--clock=cpu`, the default: on a shared machine, wall time
// also counts the time the process waits for a core, which swung the ratios by 0.2-0.3 between
// runs at a load of 9 on 2 cores) or by wall time (`--clock=wall`).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as pkg from "../../pkg/node/index.mjs";
import * as corpus from "../corpus.mjs";
import * as engine from "./rules-engine.mjs";

const require = createRequire(import.meta.url);
const actions = require("@segment/actions-core");

const { values } = parseArgs({
  options: {
    time: { type: "string", default: "300" },
    rounds: { type: "string", default: "7" },
    only: { type: "string", default: "" },
    clock: { type: "string", default: "cpu" },
  },
});
if (!["cpu", "wall"].includes(values.clock)) throw new Error(`--clock takes cpu or wall, got ${values.clock}`);
const roundMs = Number(values.time);
const rounds = Number(values.rounds);

/** Now, in ms: the process's CPU time (user and system, all its threads) or wall time. */
const clock =
  values.clock === "cpu"
    ? () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      }
    : () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Mean ms per call over a round of about `roundMs`. Calls go in batches that double while the
 * round is young, so that reading the clock (a system call for CPU time, about a microsecond)
 * is a small part of what is timed even for calls of a few microseconds.
 */
function round(fn) {
  let n = 0;
  let batch = 1;
  const start = clock();
  let now = start;
  do {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    now = clock();
    if (now - start < roundMs / 20) batch *= 2;
  } while (now - start < roundMs);
  return (now - start) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms per call of each contender, run in interleaved rounds. */
function race(contenders) {
  for (const fn of Object.values(contenders)) for (let i = 0; i < 20; i++) fn(); // warm up
  const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) times[name].push(round(fn));
  }
  return Object.fromEntries(Object.keys(contenders).map((k) => [k, median(times[k])]));
}

const ms = (t) => (t < 0.1 ? `${(t * 1000).toFixed(2)} µs` : `${t.toFixed(3)} ms`);
const times = (slow, fast) => `${(slow / fast).toFixed(2)}×`;

/** Requests as compared: bodies parsed, `origins` (the package's own) left out. */
const comparable = (result) => ({
  requests: result.requests.map(({ origins, ...r }) => ({ ...r, body: JSON.parse(r.body) })),
  rejected: result.rejected.map(({ index, code }) => ({ index, code })),
  skipped: result.skipped.map(({ index, code }) => ({ index, code })),
});

console.log(`node ${process.version}, ${rounds} rounds of ${roundMs} ms (${values.clock} time) each, median time per call\n`);

if (values.only !== "transform") {
  const settings = { ...corpus.SETTINGS, mappings: engine.RULES };
  const compiled = engine.compile();
  console.log(`(a) buildRequests with ${engine.RULES.length} rules, typical events (benches/corpus.mjs)\n`);
  console.log("| events | JS: rules alone (validate + transform) | JS: rules engine, whole | npm buildRequests, rules | **npm vs JS engine** | npm vs JS rules alone | npm, no rules (classic) |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const count of [1, 100, 1000]) {
    const events = JSON.parse(corpus.body("typical", count)).batch;
    const ours = pkg.buildRequests(events, settings);
    assert.deepEqual(comparable(engine.buildRequests(events, corpus.SETTINGS, compiled)), comparable(ours), "the JS engine gives the package's requests");
    assert.ok(ours.requests.some((r) => r.origins.some((o) => o !== null)), "rules made commands");
    const t = race({
      alone: () => engine.evaluate(events, compiled),
      engine: () => engine.buildRequests(events, corpus.SETTINGS, compiled).requests.length,
      npm: () => pkg.buildRequests(events, settings).requests.length,
      classic: () => pkg.buildRequests(events, corpus.SETTINGS).requests.length,
    });
    console.log(`| ${count} | ${ms(t.alone)} | ${ms(t.engine)} | ${ms(t.npm)} | **${times(t.engine, t.npm)}** | ${times(t.alone, t.npm)} | ${ms(t.classic)} |`);
  }
  console.log();
}

if (values.only !== "rules") {
  const MAPPINGS = {
    "one @path": { product_id: { "@path": "$.properties.product_id" } },
    "ten fields": engine.RULES[0].properties,
  };
  const PAYLOADS = {
    [`small track (${corpus.file("event-track-small.json").length} B)`]: JSON.parse(corpus.file("event-track-small.json")),
    [`typical track (${corpus.file("event-track-typical.json").length} B)`]: JSON.parse(corpus.file("event-track-typical.json")),
  };
  const compileMapping = pkg.compileMapping;
  const many = compileMapping && typeof compileMapping({}).transformMany === "function";
  const LIST = 100;
  console.log("(b) transform(mapping, payload)\n");
  console.log(
    `| mapping | payload | actions-core transform | npm transform | **vs actions-core** |${compileMapping ? " npm compileMapping(…).transform | **vs actions-core** |" : ""}${many ? " npm transformMany, per payload of 100 | **vs actions-core** |" : ""}`,
  );
  console.log(`|---|---|---:|---:|---:|${compileMapping ? "---:|---:|" : ""}${many ? "---:|---:|" : ""}`);
  for (const [mappingName, mapping] of Object.entries(MAPPINGS)) {
    const compiledMapping = compileMapping?.(mapping);
    for (const [payloadName, payload] of Object.entries(PAYLOADS)) {
      const expected = actions.transform(mapping, payload);
      assert.deepEqual(pkg.transform(mapping, payload), expected);
      if (compiledMapping) assert.deepEqual(compiledMapping.transform(payload), expected);
      const contenders = {
        reference: () => actions.transform(mapping, payload),
        npm: () => pkg.transform(mapping, payload),
      };
      if (compiledMapping) contenders.compiled = () => compiledMapping.transform(payload);
      const list = Array.from({ length: LIST }, () => payload);
      if (many) {
        assert.deepEqual(compiledMapping.transformMany(list), list.map(() => expected));
        contenders.many = () => compiledMapping.transformMany(list);
      }
      const t = race(contenders);
      let tail = compiledMapping ? ` ${ms(t.compiled)} | **${times(t.reference, t.compiled)}** |` : "";
      if (many) tail += ` ${ms(t.many / LIST)} | **${times(t.reference, t.many / LIST)}** |`;
      console.log(`| ${mappingName} | ${payloadName} | ${ms(t.reference)} | ${ms(t.npm)} | **${times(t.reference, t.npm)}** |${tail}`);
    }
  }
}
