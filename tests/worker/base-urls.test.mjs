// The Worker's configuration against the shared apiBaseUrl fixtures (tests/fixtures/settings/api-base-urls.json): every URL the npm package refuses, /health refuses with the same problem, and every one it accepts, /health shows as the package normalizes it.
//
// Build first: `bash dev/build --worker` (and `bash dev/build` for the package).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { ADMIN_TOKEN, npmPackage, startWorkers } from "./support.mjs";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/settings/api-base-urls.json");
const { cases } = JSON.parse(readFileSync(FIXTURE, "utf8"));

/** The Worker's variable for each catalog key the fixtures set. */
const VARIABLE_OF = {
  apiBaseUrl: "BLOOMREACH_API_BASE_URL",
  apiKey: "BLOOMREACH_API_KEY",
  projectToken: "BLOOMREACH_PROJECT_TOKEN",
  exponeaHardId: "BLOOMREACH_HARD_ID",
  exponeaSoftId: "BLOOMREACH_SOFT_ID",
};

test("the fixtures hold at least 30 refused URLs and some accepted ones, and the package agrees with them", () => {
  const refused = cases.filter((c) => c.error);
  assert.ok(refused.length >= 30, `${refused.length} refused URLs`);
  assert.ok(cases.some((c) => c.expected));
  const api = npmPackage();
  for (const c of cases) {
    let got;
    try {
      got = { expected: api.validateSettings(c.input) };
    } catch (error) {
      got = { error: { code: error.code, problems: error.problems } };
    }
    assert.deepEqual(got, c.expected ? { expected: c.expected } : { error: c.error }, c.name);
  }
});

test("/health: each refused apiBaseUrl is a problem of BLOOMREACH_API_BASE_URL with the package's message; each accepted one is shown normalized", { timeout: 300_000 }, async () => {
  const bindings = cases.map((c) => {
    const variables = {};
    for (const [key, value] of Object.entries(c.input)) variables[VARIABLE_OF[key]] = value;
    return variables;
  });
  const workers = await startWorkers(bindings);
  try {
    for (const [i, c] of cases.entries()) {
      const { status, json } = await workers.dispatch(i, "/health", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (c.error) {
        const problems = c.error.problems.map(({ field, message }) => ({ variable: VARIABLE_OF[field], message }));
        assert.deepEqual({ status, valid: json.config.valid, problems: json.config.problems }, { status: 503, valid: false, problems }, c.name);
      } else {
        assert.deepEqual(
          { status, problems: json.config.problems, apiBaseUrl: json.bloomreach?.apiBaseUrl },
          { status: 200, problems: [], apiBaseUrl: c.expected.apiBaseUrl },
          c.name,
        );
      }
    }
  } finally {
    await workers.dispose();
  }
});
