// Checks the rules fixtures (tests/fixtures/rules) against Segment's own packages, so that the
// expected outputs the Rust tests compare with are the reference's: mapping-kit cases against
// actions-core's transform, FQL cases against destination-subscriptions, and each command of
// the rule-set cases against transform of the rule's mapping values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cases } from "./fixtures.js";
import { referenceFql, referenceTransform } from "./rules-reference.mjs";

// Payloads an always-refused mapping is tried on.
const SAMPLE_PAYLOADS = [{}, { type: "track", event: "A", properties: { a: 1, list: [{ x: 1 }] } }];

test("every mapping-kit fixture is what actions-core's transform gives", async (t) => {
  const all = cases("rules/kit");
  assert.ok(all.length >= 150, `found ${all.length} cases`);
  for (const [name, c] of all) {
    await t.test(name, () => {
      if (c.error) {
        for (const payload of SAMPLE_PAYLOADS) {
          const reference = referenceTransform(c.mapping, payload);
          if (c.divergence) continue;
          assert.ok(reference.invalid || reference.throws, `the reference accepts it: ${JSON.stringify(reference)}`);
        }
        if (c.divergence) assert.ok(!referenceTransform(c.mapping, {}).invalid, "the divergence note is out of date");
        return;
      }
      const reference = referenceTransform(c.mapping, c.payload);
      const ours = c.throws ? { throws: true } : c.undefined ? { undefined: true } : { output: c.expected };
      const theirs = reference.throws ? { throws: true } : reference;
      if (c.divergence) assert.notDeepEqual(theirs, ours, "the divergence note is out of date");
      else assert.deepEqual(theirs, ours);
    });
  }
});

test("every FQL fixture is what parseFql and validate give", async (t) => {
  const all = cases("rules/fql");
  assert.ok(all.length >= 60, `found ${all.length} cases`);
  for (const [name, c] of all) {
    await t.test(name, () => {
      const events = (c.events ?? []).map((e) => e.event);
      const reference = referenceFql(c.query, events);
      if (c.oddity) {
        assert.ok(reference.matches, `the reference does not parse it (${reference.error}): not an oddity`);
      } else if (c.error) {
        assert.ok(reference.error, `the reference parses it: ${JSON.stringify(reference)}`);
      } else {
        assert.deepEqual(reference.matches, c.events.map((e) => e.matches));
      }
    });
  }
});

/** A rule field's value as the reference resolves it: transform({value}, payload).value. */
function field(mapping, payload) {
  const reference = referenceTransform(mapping, payload, { field: true });
  assert.ok(!reference.throws && !reference.invalid, `the reference fails: ${JSON.stringify(reference)}`);
  return reference.output;
}

test("every command of the rule-set fixtures is what transform gives for the rule's values", async (t) => {
  for (const [name, c] of cases("rules/sets").filter(([, c]) => c.emitted)) {
    await t.test(name, () => {
      const matching = c.mappings
        .map((rule, i) => ({ ...rule, name: rule.name ?? `rule ${i}` }))
        .filter((rule) => referenceFql(rule.subscribe, [c.event]).matches[0]);
      assert.deepEqual(c.emitted.map((e) => e.rule), matching.map((r) => r.name), "the rules that match");
      matching.forEach((rule, i) => {
        const emitted = c.emitted[i];
        if (!emitted.commands) return;
        const list = rule.forEach === undefined ? [undefined] : field(rule.forEach, c.event) ?? [];
        assert.equal(emitted.commands.length, list.length);
        emitted.commands.forEach((command, index) => {
          const payload = rule.forEach === undefined ? c.event : { ...c.event, item: list[index], index };
          if (rule.eventType !== undefined) assert.equal(command.eventType, field(rule.eventType, payload));
          assert.deepEqual(command.properties, rule.properties === undefined ? {} : field(rule.properties, payload) ?? {});
          if (rule.customerIds !== undefined) {
            const ids = field(rule.customerIds, payload);
            const kept = ids && Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== null));
            assert.deepEqual(command.customerIds, kept);
          }
          if (rule.timestamp !== undefined) assert.deepEqual(command.timestamp, field(rule.timestamp, payload));
        });
      });
    });
  }
});

// The npm package (built by `bash dev/build`) gives every fixture's whole expected output too.
const api = await import("../../pkg/node/index.mjs");

test("the npm package's transform gives every mapping-kit fixture's output and problems", async (t) => {
  for (const [name, c] of cases("rules/kit")) {
    await t.test(name, () => {
      if (c.error) {
        assert.throws(() => api.validateMapping(c.mapping), (e) => e.code === "invalid_mapping" && assert.deepEqual(e.problems, c.error) === undefined);
        assert.throws(() => api.transform(c.mapping, c.payload ?? {}), { code: "invalid_mapping" });
      } else if (c.throws) {
        api.validateMapping(c.mapping);
        assert.throws(() => api.transform(c.mapping, c.payload), { code: "mapping_failed", message: c.throws });
        // transformMany names the failing payload: the second of two here.
        const many = () => api.compileMapping(c.mapping).transformMany([{}, c.payload]);
        if (!throwsOn({})(c.mapping)) assert.throws(many, { code: "mapping_failed", index: 1, message: `payload 1: ${c.throws}` });
      } else {
        const expected = c.undefined ? undefined : c.expected;
        assert.deepEqual(api.transform(c.mapping, c.payload), expected);
        // The batch crossing gives the same for each payload of a list.
        assert.deepEqual(api.compileMapping(c.mapping).transformMany([c.payload, c.payload]), [expected, expected]);
      }
    });
  }
});

/** Whether transform(mapping, payload) throws. */
const throwsOn = (payload) => (mapping) => {
  try {
    api.transform(mapping, payload);
    return false;
  } catch {
    return true;
  }
};

test("compileMapping(…).transformMany: each payload's transform, undefined and defaults included", () => {
  const compiled = api.compileMapping({ a: { "@path": "$.properties.a" }, t: { "@template": "{{properties.a}}!" } });
  const payloads = [{ properties: { a: "é" } }, undefined, { properties: { a: 1 }, other: 10n }, { properties: { a: "😀" } }];
  assert.deepEqual(
    compiled.transformMany(payloads),
    payloads.map((p) => api.transform({ a: { "@path": "$.properties.a" }, t: { "@template": "{{properties.a}}!" } }, p)),
  );
  assert.deepEqual(compiled.transformMany([]), []);
  const whole = api.compileMapping({ "@path": "$.x" });
  assert.deepEqual(whole.transformMany([{ x: 1 }, { y: 2 }, { x: null }]), [1, undefined, null]);
  assert.throws(() => compiled.transformMany([{}, [1]]), { code: "mapping_failed", index: 1, message: "payload 1: data must be an object, got array" });
  assert.throws(() => compiled.transformMany({}), { code: "mapping_failed" });
});

test("the npm package's matchesSubscription gives every FQL fixture's result and error", async (t) => {
  for (const [name, c] of cases("rules/fql")) {
    await t.test(name, () => {
      if (c.error) {
        assert.throws(
          () => api.matchesSubscription(c.query, {}),
          (e) => e.code === "invalid_subscription" && assert.deepEqual(e.problems, [{ path: "", message: c.error }]) === undefined,
        );
      } else {
        assert.deepEqual(c.events.map((e) => api.matchesSubscription(c.query, e.event)), c.events.map((e) => e.matches));
      }
    });
  }
});

test("the npm package's rules functions refuse what is not a mapping, payload or query", () => {
  assert.throws(() => api.transform({ a: 1 }, [1]), { code: "mapping_failed", message: "data must be an object, got array" });
  assert.throws(() => api.transform({ a: 1n }, {}), { code: "invalid_mapping" });
  assert.throws(() => api.matchesSubscription(5, {}), { code: "invalid_subscription" });
  assert.deepEqual(api.transform({ a: { "@path": "$.x" } }), {});
  assert.equal(api.transform({ "@path": "$.x" }, { y: 1 }), undefined);
  assert.equal(api.matchesSubscription('type = "track"', { type: "track" }), true);
});
