// Loads the shared golden fixtures (tests/fixtures) for the Node and browser test runners.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export function readJson(path) {
  return JSON.parse(readFileSync(join(fixturesDir, path), "utf8"));
}

/** Every case of every file in a fixture folder, as [`file: case name`, case]. */
export function cases(folder) {
  return readdirSync(join(fixturesDir, folder))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((file) => readJson(join(folder, file)).cases.map((c) => [`${file.replace(/\.json$/, "")}: ${c.name}`, c]));
}

/** settings.base.json with the case's `settings` merged over it (`null` removes a key). */
export function settingsFor(testCase) {
  const settings = readJson("settings.base.json");
  for (const [key, value] of Object.entries(testCase.settings ?? {})) {
    if (value === null) delete settings[key];
    else settings[key] = value;
  }
  return settings;
}

/** A build result as the fixtures write it: each request body parsed. */
export function withParsedBodies(result) {
  return { ...result, requests: result.requests.map((r) => ({ ...r, body: JSON.parse(r.body) })) };
}

/** A thrown error as the fixtures write it. */
export function errorFields(error, keys) {
  return Object.fromEntries(keys.filter((k) => error[k] !== undefined).map((k) => [k, error[k]]));
}
