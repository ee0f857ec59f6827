// Checks the plain-JS mapping in benches/js/reference.mjs gives the npm package's output, so the benchmarks compare like with like.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../pkg/node/index.mjs";
import * as reference from "../../benches/js/reference.mjs";
import * as corpus from "../../benches/corpus.mjs";
import { cases, settingsFor } from "./fixtures.js";

/** A result as compared: bodies parsed; rejected/skipped by index, messageId and code (wording is the package's own). */
function comparable(result) {
  const issue = ({ index, messageId, code }) => (messageId === undefined ? { index, code } : { index, messageId, code });
  return {
    requests: result.requests.map((r) => ({ ...r, body: JSON.parse(r.body) })),
    rejected: result.rejected.map(issue),
    skipped: result.skipped.map(issue),
  };
}

function assertSame(text, settings) {
  const expected = comparable(api.buildRequestsFromJson(text, settings));
  assert.deepEqual(comparable(reference.buildRequestsFromJson(text, settings)), expected);
  return expected;
}

test("the JS reference maps every golden mapping fixture as the package does", async (t) => {
  // The reference is the classic mapping (the benchmarks' contender); rules and presets are not in it.
  const classic = ["mappings", "ecommerceEvents", "consentCategories", "requiredConsentCategories"];
  const all = cases("mapping").filter(([, c]) => classic.every((key) => c.settings?.[key] === undefined));
  assert.ok(all.length >= 60, `found ${all.length} cases`);
  for (const [name, c] of all) {
    await t.test(name, () => {
      assertSame(JSON.stringify([c.event]), settingsFor(c));
    });
  }
});

/** Bodies whose answer depends on what JSON.parse cannot see: repeated keys, numbers out of range. */
const INVISIBLE_TO_JSON_PARSE = new Set([
  "bodies: batch twice",
  "bodies: context twice in a batch body",
  "bodies: a number out of range in one event: rejected alone",
]);

test("the JS reference gives the package's output on the batch fixtures with a body", async (t) => {
  for (const [name, c] of cases("batch")) {
    if (INVISIBLE_TO_JSON_PARSE.has(name)) continue;
    await t.test(name, () => {
      const settings = settingsFor(c);
      const text = c.body ?? JSON.stringify(c.events);
      if (c.error) {
        assert.throws(() => api.buildRequestsFromJson(text, settings), { code: c.error.code });
        assert.throws(() => reference.buildRequestsFromJson(text, settings), { code: c.error.code });
      } else {
        assertSame(text, settings);
      }
    });
  }
  assert.equal(cases("batch").filter(([name]) => INVISIBLE_TO_JSON_PARSE.has(name)).length, INVISIBLE_TO_JSON_PARSE.size, "every skipped case exists");
});

test("the JS reference gives the package's output on the whole benchmark corpus", async (t) => {
  for (const name of corpus.names()) {
    // The 16 MB body of 1,000 large events adds seconds and nothing the 100-event one does not cover.
    if (name === "settings.json" || name === "batch-large-1000.json") continue;
    const text = corpus.file(name);
    await t.test(name, () => {
      for (const flattenNestedObjects of [false, true]) {
        const result = assertSame(text, { ...corpus.SETTINGS, flattenNestedObjects, trackSessionPing: true });
        assert.deepEqual([result.rejected, result.skipped], [[], []], "the corpus maps cleanly");
        assert.ok(result.requests.length > 0);
      }
    });
  }
});
