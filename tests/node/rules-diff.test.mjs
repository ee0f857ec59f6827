// Differential test of the rules: generated mappings, payloads and FQL queries run through
// Segment's own packages here and through the Rust implementation (examples/rules_diff.rs, fed
// a JSON-lines file of the cases with the reference's results), and compared.
//
//   node --test tests/node/rules-diff.test.mjs                       # 4,000 cases, a new seed
//   RULES_DIFF_CASES=200000 RULES_DIFF_SEED=42 node --test tests/node/rules-diff.test.mjs
//
// A failure prints the seed, which replays the same cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { referenceFql, referenceTransform } from "./rules-reference.mjs";
import * as gen from "./rules-generators.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CASES = Number(process.env.RULES_DIFF_CASES ?? 4000);
const SEED = Number(process.env.RULES_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EVENTS_PER_QUERY = 6;

/** Writes `count` generated cases with the reference's results, one JSON object a line. */
function writeCases(file, count, seed) {
  const rng = gen.random(seed);
  const fd = openSync(file, "w");
  let buffer = "";
  for (let i = 0; i < count; i++) {
    let c;
    if (i % 2 === 0) {
      const field = rng.chance(0.4);
      const mapping = field ? gen.mapping(rng, 4) : gen.wholeMapping(rng);
      const payload = gen.event(rng);
      c = { kind: "kit", level: field ? "field" : "transform", mapping, payload, reference: referenceTransform(mapping, payload, { field }) };
    } else {
      const grammatical = rng.chance(0.6);
      const query = grammatical ? gen.grammaticalQuery(rng) : gen.brokenQuery(rng);
      const events = gen.targetedEvents(rng, query, EVENTS_PER_QUERY);
      c = { kind: "fql", query, grammatical, events, reference: referenceFql(query, events) };
    }
    buffer += JSON.stringify(c) + "\n";
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = "";
    }
  }
  writeSync(fd, buffer);
  closeSync(fd);
}

test(`the Rust rules agree with Segment's packages on ${CASES} generated cases (seed ${SEED})`, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rules-diff-"));
  try {
    const file = join(dir, "cases.jsonl");
    const started = Date.now();
    writeCases(file, CASES, SEED);
    const generated = Date.now();
    const profile = process.env.RULES_DIFF_RELEASE ? ["--release"] : [];
    const run = spawnSync("cargo", ["run", "--quiet", ...profile, "--example", "rules_diff", "--", file], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    const lines = run.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const summary = lines.find((l) => l.summary)?.summary;
    const disagreements = lines.filter((l) => l.why);
    t.diagnostic(`seed ${SEED}: ${JSON.stringify(summary)}; reference ${generated - started} ms, Rust ${Date.now() - generated} ms`);
    assert.ok(summary, `rules_diff gave no summary (exit ${run.status}):\n${run.stderr}`);
    assert.deepEqual(
      disagreements.slice(0, 5),
      [],
      `${disagreements.length} disagreements; replay with RULES_DIFF_SEED=${SEED} RULES_DIFF_CASES=${CASES}`,
    );
    assert.equal(summary.agree + summary.limit + summary.refused, CASES);
    assert.ok(summary.limit <= CASES / 1000, `${summary.limit} cases hit the work limit`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
