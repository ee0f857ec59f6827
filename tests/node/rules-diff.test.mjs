// Differential test of the rules: generated mappings, payloads and FQL queries run through
// Segment's own packages and through the npm package's `transform` and `matchesSubscription`
// (the Rust implementation, built by `bash dev/build`), and compared.
//
//   node --test tests/node/rules-diff.test.mjs                       # 4,000 cases, a new seed
//   RULES_DIFF_CASES=200000 RULES_DIFF_SEED=42 node --test tests/node/rules-diff.test.mjs
//
// A failure prints the seed, which replays the same cases. A second test writes as many random
// condition trees as queries with Segment's own generateFql (what a user copies out of Segment)
// and requires every one the reference reads as written to be accepted, with its answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import util from "node:util";
import * as api from "../../pkg/node/index.mjs";
import { asJson, generateFql, readAsWritten, referenceFql, referenceTransform } from "./rules-reference.mjs";
import * as gen from "./rules-generators.mjs";

const CASES = Number(process.env.RULES_DIFF_CASES ?? 4000);
const SEED = Number(process.env.RULES_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EVENTS_PER_QUERY = 6;

/** The package's transform in the reference's result shapes, or `{limit}` for its work limit. */
function ours(mapping, payload, field) {
  try {
    const out = field ? api.transform({ value: mapping }, payload)?.value : api.transform(mapping, payload);
    return out === undefined ? { undefined: true } : { output: asJson(out) };
  } catch (error) {
    if (error.code === "invalid_mapping") return { invalid: error.message };
    if (error.message.startsWith("the mapping needs more work")) return { limit: error.message };
    assert.equal(error.code, "mapping_failed", error.stack);
    return { throws: error.message };
  }
}

/** Why a kit case disagrees, or null (and "limit" / "refused" for the allowed differences). */
function compareKit(reference, got) {
  if (got.limit) return "limit";
  if (got.invalid) return reference.invalid || reference.throws ? null : `refused the mapping: ${got.invalid}`;
  if (reference.invalid) return `accepted a mapping the reference rejects: ${reference.invalid}`;
  if (got.throws) return reference.throws ? null : `failed: ${got.throws}`;
  if (reference.throws) return `resolved where the reference throws ${reference.throws}`;
  try {
    assert.deepEqual(got, reference);
    return null;
  } catch {
    return `got ${JSON.stringify(got)}`;
  }
}

/** Why an FQL case disagrees, or null / "refused". */
function compareFql(query, grammatical, events, reference) {
  let matches;
  try {
    matches = events.map((event) => api.matchesSubscription(query, event));
  } catch (error) {
    assert.equal(error.code, "invalid_subscription", error.stack);
    if (!reference.matches) return null;
    return grammatical ? `refused a grammatical query: ${error.message}` : "refused";
  }
  if (!reference.matches) return `parsed a query the reference cannot parse: ${reference.error}`;
  const differ = matches.findIndex((m, i) => m !== reference.matches[i]);
  return differ < 0 ? null : `matches ${JSON.stringify(events[differ])} is ${matches[differ]}`;
}

test(`the npm package's rules agree with Segment's packages on ${CASES} generated cases (seed ${SEED})`, (t) => {
  const rng = gen.random(SEED);
  const tally = { agree: 0, limit: 0, refused: 0, disagree: 0 };
  const disagreements = [];
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    let why;
    let c;
    if (i % 2 === 0) {
      const field = rng.chance(0.4);
      const mapping = field ? gen.mapping(rng, 4) : gen.wholeMapping(rng);
      const payload = gen.event(rng);
      const reference = referenceTransform(mapping, payload, { field });
      c = { kind: "kit", field, mapping, payload, reference };
      why = compareKit(reference, ours(mapping, payload, field));
    } else {
      const grammatical = rng.chance(0.6);
      const query = grammatical ? gen.grammaticalQuery(rng) : gen.brokenQuery(rng);
      const events = gen.targetedEvents(rng, query, EVENTS_PER_QUERY);
      const reference = referenceFql(query, events);
      c = { kind: "fql", query, grammatical, events, reference };
      why = compareFql(query, grammatical, events, reference);
    }
    if (why === null) tally.agree++;
    else if (why === "limit" || why === "refused") tally[why]++;
    else {
      tally.disagree++;
      if (disagreements.length < 5) disagreements.push({ case: i, why, ...c });
    }
  }
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(tally)} in ${Date.now() - started} ms`);
  assert.deepEqual(disagreements, [], `${tally.disagree} disagreements; replay with RULES_DIFF_SEED=${SEED} RULES_DIFF_CASES=${CASES}`);
  assert.ok(tally.limit <= CASES / 1000, `${tally.limit} cases hit the work limit`);
});

/** The package's answers on the events, or `{refused: message}`. */
function oursFql(query, events) {
  try {
    return { matches: events.map((event) => api.matchesSubscription(query, event)) };
  } catch (error) {
    assert.equal(error.code, "invalid_subscription", error.stack);
    return { refused: error.message };
  }
}

test(`every query generateFql writes from ${CASES} random condition trees that the reference reads as written is accepted, with its answers (seed ${SEED})`, (t) => {
  const rng = gen.random(SEED);
  // asWritten: the reference parses the query into the tree it was written from; misread: into
  // another tree; unparsed: it cannot parse it (groups within groups, mostly). Each [accepted,
  // refused] here; a query read as written must be accepted.
  const tally = { asWritten: [0, 0], misread: [0, 0], unparsed: [0, 0] };
  const disagreements = [];
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    const tree = gen.conditionTree(rng);
    const query = generateFql(tree);
    const events = gen.targetedEvents(rng, query, EVENTS_PER_QUERY);
    const reference = referenceFql(query, events);
    const kind = readAsWritten(query, tree) ? "asWritten" : reference.matches ? "misread" : "unparsed";
    const ours = oursFql(query, events);
    tally[kind][ours.refused === undefined ? 0 : 1]++;
    let why = null;
    if (ours.refused !== undefined) {
      if (kind === "asWritten") why = `refused: ${ours.refused}`;
    } else if (kind === "unparsed") {
      why = `accepted a query the reference cannot parse: ${reference.error}`;
    } else if (!util.isDeepStrictEqual(ours.matches, reference.matches)) {
      why = `answered ${JSON.stringify(ours.matches)}`;
    }
    if (why !== null && disagreements.length < 5) disagreements.push({ case: i, kind, why, query, events, reference });
  }
  const share = ([accepted, refused]) => `${((100 * (accepted + refused)) / CASES).toFixed(1)} % (${accepted} accepted, ${refused} refused)`;
  t.diagnostic(
    `seed ${SEED}: read as written ${share(tally.asWritten)}, misread ${share(tally.misread)}, ` +
      `unparsed ${share(tally.unparsed)} in ${Date.now() - started} ms`,
  );
  assert.deepEqual(disagreements, [], `replay with RULES_DIFF_SEED=${SEED} RULES_DIFF_CASES=${CASES}`);
  // The generator keeps writing mostly queries read as written, and some the reference misreads
  // or cannot parse.
  assert.ok(tally.asWritten[0] >= CASES / 2, JSON.stringify(tally));
  assert.ok(CASES < 1000 || (tally.misread[1] > 0 && tally.unparsed[1] > 0), JSON.stringify(tally));
});
