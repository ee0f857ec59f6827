// The book's reference tables list exactly what the code has: every Worker variable and binding, setting, configuration field, admin route and command-line option once, and nothing the code does not have.
//
// The convention (docs/README.md, "Reference entries"): a reference entry is a row of a table whose
// header's first cell names its kind (`variable`, `setting`, `field`, `admin route`, `option`);
// the entry is the first `code span` of the row's first cell. Options belong to the command named
// in backticks by the nearest heading above their table. Every page of the book and the README
// is read, so a second table of the same kind anywhere counts as documenting an entry twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (path) => readFileSync(join(root, path), "utf8");
const PAGES = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

// ---- what the book documents

const cells = (line) => line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
const firstCode = (cell) => cell.match(/`([^`]+)`/)?.[1];

/** Every reference entry of the book: { kind, name, where } (options named `<command> <option>`). */
function documentedEntries() {
  const entries = [];
  for (const page of PAGES) {
    const lines = read(page).split("\n");
    let command = null; // the command the nearest heading names
    let kind = null; // the kind of the table being read, null outside a reference table
    let fenced = false;
    lines.forEach((line, i) => {
      if (/^(```|~~~)/.test(line)) fenced = !fenced;
      if (fenced) return;
      const heading = line.match(/^#+ (.*)$/);
      if (heading) {
        command = heading[1].match(/`(?:segment-bloomreach )?((?:backfill|config)(?: [a-z-]+)?)`/)?.[1] ?? null;
        kind = null;
        return;
      }
      if (!line.trimStart().startsWith("|")) {
        kind = null;
        return;
      }
      const row = cells(line);
      if (row.every((c) => /^:?-+:?$/.test(c))) return;
      if (kind === null) {
        // A table's header row.
        kind = ["variable", "setting", "field", "admin route", "option"].includes(row[0]) ? row[0] : "";
        return;
      }
      if (kind === "") return;
      let name = kind === "option" ? row[0].match(/`(--[a-z][a-z-]*)/)?.[1] : firstCode(row[0]);
      if (kind === "option") name = `${command ?? "(no command heading)"} ${name}`;
      entries.push({ kind, name: name ?? `(no name in "${row[0]}")`, where: `${page}:${i + 1}` });
    });
  }
  return entries;
}

// ---- what the code has

/** The text between `start` (a line's beginning) and the first line that is exactly `end`. */
function block(text, start, end = "}") {
  const from = text.indexOf(start);
  assert.ok(from >= 0, `${start} not found`);
  const to = text.indexOf(`\n${end}\n`, from);
  return text.slice(from, to);
}

const strings = (text, pattern) => [...text.matchAll(pattern)].map((m) => m[1]);

/** The Worker's variables (env_config.rs' VARIABLES), its bindings (the `…_BINDING` constants) and the variables other modules read (`.var("…")`). */
function workerVariables() {
  const names = new Set(strings(block(read("crates/worker/src/env_config.rs"), "pub const VARIABLES", "];"), /\(\s*"([A-Z0-9_]+)"/g));
  assert.ok(names.size >= 15, "VARIABLES read from env_config.rs");
  const dir = "crates/worker/src";
  const files = readdirSync(join(root, dir), { recursive: true }).filter((f) => f.endsWith(".rs"));
  for (const file of files) {
    const text = read(`${dir}/${file}`);
    for (const name of strings(text, /const [A-Z_]*BINDING: &str = "([A-Z0-9_]+)"/g)) names.add(name);
    for (const name of strings(text, /\.var\(\s*"([A-Z0-9_]+)"\s*\)/g)) names.add(name);
    for (const name of strings(text, /\.secret\(\s*"([A-Z0-9_]+)"\s*\)/g)) names.add(name);
  }
  // The Rate Limiting bindings a source counts against by default (crates/deployment's model).
  for (const name of strings(read("crates/deployment/src/model.rs"), /pub const DEFAULT_[A-Z_]*LIMIT: &str = "([A-Z0-9_]+)"/g)) names.add(name);
  return names;
}

/** The settings (src/settings.rs writes every one back in `to_json_value`; reading takes no other). */
function settings() {
  const text = read("src/settings.rs");
  const written = new Set(strings(block(text, "    pub fn to_json_value", "    }"), /"([a-zA-Z]+)"\.into\(\)/g));
  const readKeys = strings(text, /(?:_string|_bool)\(\s*map,\s*"([a-zA-Z]+)"/g)
    .concat(strings(text, /map\.get\("([a-zA-Z]+)"\)/g), strings(text, /const FIELD: &str = "([a-zA-Z]+)"/g));
  assert.ok(written.size >= 10, "settings read from src/settings.rs");
  assert.deepEqual(readKeys.filter((k) => !written.has(k)), [], "every setting read is written back");
  return written;
}

/** The configuration document's fields (crates/deployment's key lists), as paths. */
function configFields() {
  const text = read("crates/deployment/src/validate.rs");
  const list = (name) => {
    const found = text.match(new RegExp(`const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`));
    assert.ok(found, `${name} in validate.rs`);
    return strings(found[1], /"([a-zA-Z0-9]+)"/g);
  };
  const fields = [
    ...list("TOP_KEYS"),
    ...list("DESTINATION_KEYS").map((k) => `destinations[].${k}`),
    ...list("SOURCE_KEYS").map((k) => `sources[].${k}`),
    ...list("WRITE_KEY_KEYS").map((k) => `sources[].writeKeys[].${k}`),
    ...list("WEBHOOK_KEYS").map((k) => `sources[].webhook.${k}`),
    ...list("RATE_LIMIT_KEYS").map((k) => `sources[].rateLimits.${k}`),
    ...list("INSPECTOR_KEYS").map((k) => `sources[].inspector.${k}`),
  ];
  return { fields: new Set(fields), sourceSettings: list("SOURCE_SETTING_KEYS") };
}

/** The admin routes (route.rs: each `/admin/…` path with the methods `allow` gives its route). */
function adminRoutes() {
  const text = read("crates/worker/src/route.rs");
  const paths = new Map(); // variant → path
  for (const [, path, variant] of text.matchAll(/"(\/admin\/[a-z/-]+)" => Route::Admin\(AdminRoute::(\w+)\)/g)) paths.set(variant, path);
  const prefix = text.match(/strip_prefix\("(\/admin\/config\/versions\/)"\)/)?.[1];
  for (const [, fn, variant] of text.matchAll(/_ if (\w+)\(path\)\.is_some\(\) => Route::Admin\(AdminRoute::(\w+)\)/g)) {
    assert.equal(fn, "version_in_path", "a computed admin path route.rs's test knows");
    paths.set(variant, `${prefix}<n>`);
  }
  // `/admin/sources/<source>/<what>` (source_route in route.rs): `"what" => Route::Admin(…)`.
  const sources = text.match(/strip_prefix\("(\/admin\/sources\/)"\)/)?.[1];
  for (const [, what, variant] of text.matchAll(/^\s+"([a-z-]+)" => Route::Admin\(AdminRoute::(\w+)\)/gm)) {
    if (!paths.has(variant)) paths.set(variant, `${sources}<source>/${what}`);
  }
  const allow = block(text, "    pub fn allow", "    }");
  const routes = new Set();
  for (const [, variants, methods] of allow.matchAll(/Route::Admin\(([^)]*)\)\s*=>\s*"([^"]+)"/g)) {
    for (const [, variant] of variants.matchAll(/AdminRoute::(\w+)/g)) {
      assert.ok(paths.has(variant), `the path of AdminRoute::${variant}`);
      for (const method of methods.split(", ")) routes.add(`${method} ${paths.get(variant)}`);
      paths.delete(variant);
    }
  }
  assert.deepEqual([...paths.keys()], [], "every admin route has its methods");
  assert.ok(routes.size >= 10, "admin routes read from route.rs");
  return routes;
}

/** The command-line options: backfill's (options.mjs' SPEC), config's common ones and each config command's own (config.mjs). */
function cliOptions() {
  const names = (spec) => strings(spec, /"?([a-z][a-z-]*)"?: \{ type: "(?:string|boolean)"/g).map((n) => `--${n}`);
  const options = new Set(names(block(read("pkg/cli/options.mjs"), "const SPEC = {", "};")).map((o) => `backfill ${o}`));
  const config = read("pkg/cli/config.mjs");
  for (const o of names(block(config, "const COMMON_SPEC = {", "};"))) options.add(`config ${o}`);
  let command = null;
  for (const line of block(config, "const COMMANDS = {", "};").split("\n")) {
    const opens = line.match(/^ {2}"?([a-z][a-z-]*)"?: \{$/);
    if (opens) command = opens[1];
    const own = line.match(/^ {4}options: \{(.*)\},$/);
    if (own) for (const o of names(own[1])) options.add(`config ${command} ${o}`);
  }
  assert.ok(options.has("backfill --settings") && options.has("config --url") && options.has("config push --force"), "options read from pkg/cli");
  return options;
}

// ---- the checks

const entries = documentedEntries();

function check(kind, expected) {
  const mine = entries.filter((e) => e.kind === kind);
  const seen = new Map();
  const twice = [];
  for (const e of mine) {
    if (seen.has(e.name)) twice.push(`${e.name}: ${seen.get(e.name)} and ${e.where}`);
    else seen.set(e.name, e.where);
  }
  const missing = [...expected].filter((n) => !seen.has(n)).sort();
  const unknown = [...seen.keys()].filter((n) => !expected.has(n)).map((n) => `${n} (${seen.get(n)})`);
  assert.deepEqual({ missing, documentedTwice: twice, notInTheCode: unknown }, { missing: [], documentedTwice: [], notInTheCode: [] });
}

test("every Worker variable and binding has one row in a `variable` table", () => check("variable", workerVariables()));

test("every setting has one row in a `setting` table, and a source's settings are among them", () => {
  const all = settings();
  check("setting", all);
  assert.deepEqual(configFields().sourceSettings.filter((k) => !all.has(k)), []);
});

test("every field of the configuration document has one row in a `field` table", () => check("field", configFields().fields));

test("every admin route (method and path) has one row in an `admin route` table", () => check("admin route", adminRoutes()));

test("every command-line option has one row in an `option` table under its command's heading", () => check("option", cliOptions()));
