// Checks the wasm export `buildRequestsFramed` (bodies framed after the envelope) gives exactly buildRequestsJson's result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { framedBuildRequestsFromJson } from "../../benches/js/framed.mjs";
import * as corpus from "../../benches/corpus.mjs";
import { cases, settingsFor } from "./fixtures.js";

const wasm = createRequire(import.meta.url)("../../pkg/node/segment_bloomreach.js");
const plain = (text, settings) => JSON.parse(wasm.buildRequestsJson(text, JSON.stringify(settings), "[]"));

test("framed output equals the plain output on the batch fixtures and the corpus", async (t) => {
  const inputs = cases("batch").map(([name, c]) => [name, c.body ?? JSON.stringify(c.events), settingsFor(c)]);
  for (const name of ["batch-small-100.json", "batch-typical-100.json", "batch-large-1.json"]) {
    inputs.push([name, corpus.file(name), corpus.SETTINGS]);
  }
  // Non-ASCII in a body: lengths are UTF-16 code units, as JavaScript slices.
  const accents = { type: "track", userId: "ü-1", event: "Café ☕ 𝄞", properties: { emoji: "😀", nested: { "ké": "v" } } };
  inputs.push(["non-ASCII", JSON.stringify([accents, { ...accents, messageId: "m-2" }]), corpus.SETTINGS]);
  for (const [name, text, settings] of inputs) {
    await t.test(name, () => {
      const expected = plain(text, settings);
      if (expected.error) {
        assert.throws(() => framedBuildRequestsFromJson(wasm, text, settings), { code: expected.error.code });
      } else {
        assert.deepEqual(framedBuildRequestsFromJson(wasm, text, settings), expected);
      }
    });
  }
});
