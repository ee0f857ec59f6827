// Runs every golden fixture against the built npm package in Node (ES module entry point).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../pkg/node/index.mjs";
import { validateConfig } from "../../pkg/config/index.mjs";
import { cases, settingsFor, withParsedBodies, errorFields } from "./fixtures.js";

test("mapping fixtures: mapEvent and buildRequests", async (t) => {
  const all = cases("mapping");
  assert.ok(all.length >= 60, `found ${all.length} cases`);
  for (const [name, c] of all) {
    await t.test(name, () => {
      const settings = settingsFor(c);
      const batch = api.buildRequests([c.event], settings);
      if (c.expected) {
        assert.deepEqual(api.mapEvent(c.event, settings), c.expected);
        assert.deepEqual(JSON.parse(batch.requests[0].body).commands, c.expected);
        assert.deepEqual([batch.rejected, batch.skipped], [[], []]);
        // Which rule or preset row made each command (`null`: the request has no `origins`).
        if ("origins" in c) assert.deepEqual(batch.requests[0].origins ?? null, c.origins);
      } else if (c.error) {
        assert.throws(() => api.mapEvent(c.event, settings), (e) => {
          assert.deepEqual(errorFields(e, ["code", "message"]), c.error);
          assert.equal(e.name, "BloomreachMappingError");
          return true;
        });
        assert.deepEqual(batch.rejected.map((r) => ({ code: r.code, message: r.message })), [c.error]);
        assert.deepEqual(batch.requests, []);
      } else {
        assert.deepEqual(api.mapEvent(c.event, settings), []);
        assert.deepEqual(batch.skipped.map((r) => ({ code: r.code, message: r.message })), [c.skipped]);
        assert.deepEqual(batch.requests, []);
      }
    });
  }
});

test("batch fixtures: buildRequests and buildRequestsFromJson", async (t) => {
  for (const [name, c] of cases("batch")) {
    await t.test(name, () => {
      const settings = settingsFor(c);
      if (c.events) {
        assert.deepEqual(withParsedBodies(api.buildRequests(c.events, settings)), c.expected);
        // The text path gives the same result for the same events.
        assert.deepEqual(withParsedBodies(api.buildRequestsFromJson(JSON.stringify(c.events), settings)), c.expected);
      } else if (c.expected) {
        assert.deepEqual(withParsedBodies(api.buildRequestsFromJson(c.body, settings)), c.expected);
      } else {
        assert.throws(() => api.buildRequestsFromJson(c.body, settings), (e) => {
          assert.deepEqual(errorFields(e, ["code", "message", "line", "column"]), c.error);
          return true;
        });
      }
    });
  }
});

test("response fixtures: readResponse", async (t) => {
  for (const [name, c] of cases("response")) {
    await t.test(name, () => {
      const request = {
        method: "POST",
        url: "https://api.exponea.com/track/v2/projects/p/batch",
        headers: {},
        body: JSON.stringify({ commands: c.commandIds.map((id) => ({ name: "customers", command_id: id, data: {} })) }),
      };
      assert.deepEqual(api.readResponse(request, c.status, c.body), c.expected);
    });
  }
});

test("settings fixtures: validateSettings", async (t) => {
  for (const [name, c] of cases("settings")) {
    await t.test(name, () => {
      if (c.expected) {
        assert.deepEqual(api.validateSettings(c.input), c.expected);
      } else {
        assert.throws(() => api.validateSettings(c.input), (e) => {
          assert.deepEqual(errorFields(e, ["code", "problems"]), c.error);
          for (const p of c.error.problems) assert.ok(e.message.includes(`${p.field}: ${p.message}`), e.message);
          return true;
        });
      }
    });
  }
});

test("config fixtures: validateConfig (segment-bloomreach/config, its own wasm)", async (t) => {
  const all = cases("config");
  assert.ok(all.length >= 10, `found ${all.length} cases`);
  for (const [name, c] of all) {
    await t.test(name, () => {
      if (c.expected) {
        assert.deepEqual(validateConfig(c.input), c.expected);
      } else {
        assert.throws(() => validateConfig(c.input), (e) => {
          assert.deepEqual(errorFields(e, ["code", "problems"]), c.error);
          assert.equal(e.message, `invalid configuration: ${c.error.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`);
          assert.equal(e.name, "BloomreachMappingError");
          return true;
        });
      }
    });
  }
});
