// The npm package as a user gets it: `npm pack`, installed into a fresh project, used from
// require and import, the bundlers' entry in plain Node, the browser build, and TypeScript; the
// tarball linted by @arethetypeswrong/cli and publint. (Each runtime and bundler runs it in
// tests/runtimes/.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const settings = { apiKey: "k", projectToken: "p", exponeaHardId: "registered", exponeaSoftId: "cookie" };
const event = { type: "page", messageId: "m-1", anonymousId: "a-1", name: "Home" };
const expected = [{ name: "customers/events", command_id: "m-1", data: { customer_ids: { cookie: "a-1" }, event_type: "page_visit", properties: { page_name: "Home" } } }];
let project;
let tarball;
let packedFiles;

function run(file, args = []) {
  return execFileSync(process.execPath, [...args, file], { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function tool(command, args) {
  try {
    return execFileSync(command, args, { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    assert.fail(`${command} ${args.join(" ")} failed:\n${e.stdout}${e.stderr}`);
  }
}

before(() => {
  project = mkdtempSync(join(tmpdir(), "segment-bloomreach-user-"));
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: join(root, "pkg"), encoding: "utf8" }));
  tarball = join(project, packed.filename);
  packedFiles = packed.files.map((f) => f.path).sort();
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: project, stdio: "ignore" });
});

after(() => rmSync(project, { recursive: true, force: true }));

test("the tarball (what `npm publish` uploads) holds each entry, the wrapper, the types and the CLI, and nothing else", () => {
  assert.deepEqual(packedFiles, [
    "README.md",
    "bundler/index.js", // bundlers and the default: wasm inlined, top-level await
    "bundler/segment_bloomreach_bg.js",
    "bundler/segment_bloomreach_bg.wasm.js",
    "cli/backfill.mjs", // the `segment-bloomreach backfill` command (bin)
    "cli/bin.mjs",
    "cli/checkpoint.mjs",
    "cli/config-diff.mjs", // the `segment-bloomreach config` commands
    "cli/config-file.mjs",
    "cli/config.mjs",
    "cli/input.mjs",
    "cli/options.mjs",
    "cli/progress.mjs",
    "cli/sender.mjs",
    "config/api.cjs", // segment-bloomreach/config (Node only): validateConfig over its own wasm
    "config/index.cjs",
    "config/index.d.cts",
    "config/index.d.ts",
    "config/index.mjs",
    "config/segment_bloomreach_config.cjs",
    "config/segment_bloomreach_config_bg.wasm",
    "edge/index.js", // workerd, edge-light, worker: imports web/'s .wasm as a module
    "index.d.cts",
    "index.d.ts",
    "node/api.cjs", // Node, Deno, Bun: import and require
    "node/index.cjs",
    "node/index.mjs",
    "node/package.json",
    "node/segment_bloomreach.js",
    "node/segment_bloomreach_bg.wasm",
    "package.json",
    "src/api.js",
    "src/config.js",
    "src/glue.js",
    "web.d.ts",
    "web/index.js", // segment-bloomreach/web: init() loads the .wasm beside it
    "web/segment_bloomreach.js",
    "web/segment_bloomreach_bg.wasm",
  ]);
});

test("require() works with no init step", () => {
  writeFileSync(join(project, "use.cjs"), `
    const { mapEvent } = require("segment-bloomreach");
    console.log(JSON.stringify(mapEvent(${JSON.stringify(event)}, ${JSON.stringify(settings)})));`);
  assert.deepEqual(JSON.parse(run("use.cjs")), expected);
});

test("import works with no init step", () => {
  writeFileSync(join(project, "use.mjs"), `
    import { mapEvent } from "segment-bloomreach";
    console.log(JSON.stringify(mapEvent(${JSON.stringify(event)}, ${JSON.stringify(settings)})));`);
  assert.deepEqual(JSON.parse(run("use.mjs")), expected);
});

test("the bundlers' entry (wasm inlined, instantiated with top-level await) runs in plain Node too", () => {
  writeFileSync(join(project, "bundler.mjs"), `
    import { mapEvent } from "./node_modules/segment-bloomreach/bundler/index.js";
    console.log(JSON.stringify(mapEvent(${JSON.stringify(event)}, ${JSON.stringify(settings)})));`);
  assert.deepEqual(JSON.parse(run("bundler.mjs")), expected);
});

test("the browser build needs init() first, then works", () => {
  writeFileSync(join(project, "web.mjs"), `
    import { readFileSync } from "node:fs";
    import init, { mapEvent } from "segment-bloomreach/web";
    let before;
    try { mapEvent({}, {}); } catch (e) { before = e.message; }
    await init(readFileSync("node_modules/segment-bloomreach/web/segment_bloomreach_bg.wasm"));
    console.log(JSON.stringify({ before, after: mapEvent(${JSON.stringify(event)}, ${JSON.stringify(settings)}) }));`);
  const out = JSON.parse(run("web.mjs"));
  assert.equal(out.before, "segment-bloomreach/web: call `await init()` before using the API");
  assert.deepEqual(out.after, expected);
});

test("segment-bloomreach/config validates a configuration from require() and import alike, errors with their code and problems", () => {
  const documents = {
    valid: { destinations: [{ name: "eu", projectToken: "p", apiKeySecret: "BLOOMREACH_API_KEY_EU" }], sources: [{ name: "crm", destination: "eu", webhook: { bearerTokenSecret: "CRM_TOKEN" } }] },
    invalid: { destinations: [], sources: [] },
  };
  const program = (load) => `
    ${load}
    const documents = ${JSON.stringify(documents)};
    const cyclic = {}; cyclic.self = cyclic;
    const outcome = (config) => { try { return { config: validateConfig(config) }; } catch (e) { return { error: { name: e.name, code: e.code, message: e.message, problems: e.problems } }; } };
    console.log(JSON.stringify({ valid: outcome(documents.valid), invalid: outcome(documents.invalid), cyclic: outcome(cyclic) }));`;
  writeFileSync(join(project, "config.cjs"), program(`const { validateConfig } = require("segment-bloomreach/config");`));
  writeFileSync(join(project, "config.mjs"), program(`import { validateConfig } from "segment-bloomreach/config";`));
  const expected = {
    valid: { config: { destinations: documents.valid.destinations, sources: [{ ...documents.valid.sources[0], settings: {} }] } },
    invalid: { error: { name: "BloomreachMappingError", code: "config_invalid", message: "invalid configuration: destinations: at least one is required; sources: at least one is required", problems: [{ field: "destinations", message: "at least one is required" }, { field: "sources", message: "at least one is required" }] } },
    cyclic: { error: { name: "BloomreachMappingError", code: "config_invalid", message: "invalid configuration: it cannot be turned into JSON (Converting circular structure to JSON\n    --> starting at object with constructor 'Object'\n    --- property 'self' closes the circle)" } },
  };
  assert.deepEqual(JSON.parse(run("config.cjs")), expected);
  assert.deepEqual(JSON.parse(run("config.mjs")), expected);
});

test("every entry exports the same functions, and index.d.ts declares exactly those", () => {
  writeFileSync(join(project, "names.mjs"), `
    import { createRequire } from "node:module";
    const load = (entry) => entry.endsWith(".cjs") ? createRequire(import.meta.url)(entry) : import(entry);
    const names = {};
    for (const entry of ["node/index.mjs", "node/index.cjs", "bundler/index.js", "web/index.js"]) {
      const module = await load("./node_modules/segment-bloomreach/" + entry);
      names[entry] = Object.keys(module).filter((name) => name !== "default").sort();
    }
    console.log(JSON.stringify(names));`);
  const names = JSON.parse(run("names.mjs"));
  const declared = [...readFileSync(join(root, "pkg/index.d.ts"), "utf8").matchAll(/^export (?:declare )?function (\w+)/gm)].map((m) => m[1]).sort();
  for (const [entry, exported] of Object.entries(names)) assert.deepEqual(exported, declared, `${entry} vs index.d.ts`);
  // The edge entry cannot run in plain Node (its wasm import is for wrangler's and Vercel's bundlers): read its export line.
  const edge = readFileSync(join(project, "node_modules/segment-bloomreach/edge/index.js"), "utf8");
  const [, list] = edge.match(/^export const \{ ([^}]+) \} = api;$/m);
  assert.deepEqual(list.split(", ").sort(), declared, "edge/index.js vs index.d.ts");
});

test("segment-bloomreach/config exports what config/index.d.ts declares, and no main entry loads its wasm", () => {
  writeFileSync(join(project, "config-names.mjs"), `
    import { createRequire } from "node:module";
    const required = createRequire(import.meta.url)("segment-bloomreach/config");
    const imported = await import("segment-bloomreach/config");
    console.log(JSON.stringify([Object.keys(required).sort(), Object.keys(imported).filter((name) => name !== "default").sort()]));`);
  const declared = [...readFileSync(join(root, "pkg/config/index.d.ts"), "utf8").matchAll(/^export (?:declare )?function (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declared, ["validateConfig"]);
  assert.deepEqual(JSON.parse(run("config-names.mjs")), [declared, declared]);
  // The main wasm's budget is why validateConfig has a wasm of its own: no main entry may reach it.
  const installed = join(project, "node_modules/segment-bloomreach");
  const mainEntries = packedFiles.filter((f) => /^(node|edge|bundler|web|src)\/.*\.(c?js|mjs)$/.test(f) && f !== "src/config.js");
  assert.ok(mainEntries.includes("node/index.mjs") && mainEntries.includes("edge/index.js"), mainEntries.join(", "));
  const reaching = mainEntries.filter((f) => /segment_bloomreach_config|["'](\.{1,2}\/)+(src\/)?config\b|validateConfigJson/.test(readFileSync(join(installed, f), "utf8")));
  assert.deepEqual(reaching, []);
  // Nor does the main wasm hold the export: its configuration code is gone, not just unbound.
  assert.ok(!readFileSync(join(installed, "node/segment_bloomreach_bg.wasm")).includes("validateConfigJson"), "the main wasm exports validateConfigJson");
  assert.ok(readFileSync(join(installed, "config/segment_bloomreach_config_bg.wasm")).includes("validateConfigJson"), "the config wasm exports validateConfigJson");
});

test("the export conditions send each tool to its entry (resolved by esbuild with each tool's conditions)", async () => {
  const esbuild = createRequire(import.meta.url)("esbuild");
  const entry = { edge: "edge/index.js", bundler: "bundler/index.js", esm: "node/index.mjs", cjs: "node/index.cjs" };
  const tools = [
    ["wrangler", ["workerd", "worker", "browser"], "import", entry.edge],
    ["Vercel's edge (Next.js's list)", ["edge-light", "worker", "browser", "module", "node"], "import", entry.edge],
    ["a runtime that names only worker", ["worker"], "import", entry.edge],
    ["webpack 5, web target", ["webpack", "production", "browser", "module"], "import", entry.bundler],
    ["webpack 5, webworker target (no ?module wasm there)", ["webpack", "production", "worker", "browser", "module"], "import", entry.bundler],
    ["Vite, esbuild", ["browser", "module", "production"], "import", entry.bundler],
    ["Rollup's node-resolve, by default", ["module"], "import", entry.bundler],
    ["Node, import", ["node"], "import", entry.esm],
    ["Node, require", ["node"], "require", entry.cjs],
    ["Deno, import (no file read: no --allow-read)", ["deno", "node"], "import", entry.bundler],
    ["Deno, require", ["deno", "node"], "require", entry.cjs],
    ["Bun, import", ["bun", "node"], "import", entry.esm],
    ["Bun, require", ["bun", "node"], "require", entry.cjs],
  ];
  const where = join(project, "node_modules/segment-bloomreach") + "/";
  const routed = [];
  for (const [tool, conditions, kind] of tools) {
    let path;
    await esbuild.build({
      stdin: { contents: "" },
      write: false,
      platform: "neutral",
      conditions,
      logLevel: "silent",
      plugins: [{ name: "resolve", setup(build) {
        build.onStart(async () => {
          ({ path } = await build.resolve("segment-bloomreach", { kind: kind === "require" ? "require-call" : "import-statement", resolveDir: project }));
        });
      } }],
    });
    routed.push([tool, conditions, kind, path.replace(where, "")]);
  }
  assert.deepEqual(routed, tools);
  // segment-bloomreach/config is for Node (and the runtimes that take Node's condition) only.
  const configTools = [
    ["Node, import", ["node"], "import", "config/index.mjs"],
    ["Node, require", ["node"], "require", "config/index.cjs"],
    ["Deno, import", ["deno", "node"], "import", "config/index.mjs"],
    ["Bun, require", ["bun", "node"], "require", "config/index.cjs"],
    ["wrangler", ["workerd", "worker", "browser"], "import", null],
    ["Vite, esbuild", ["browser", "module", "production"], "import", null],
  ];
  const configRouted = [];
  for (const [tool, conditions, kind] of configTools) {
    let path = null;
    await esbuild.build({
      stdin: { contents: "" },
      write: false,
      platform: "neutral",
      conditions,
      logLevel: "silent",
      plugins: [{ name: "resolve", setup(build) {
        build.onStart(async () => {
          const found = await build.resolve("segment-bloomreach/config", { kind: kind === "require" ? "require-call" : "import-statement", resolveDir: project });
          path = found.errors.length ? null : found.path.replace(where, "");
        });
      } }],
    });
    configRouted.push([tool, conditions, kind, path]);
  }
  assert.deepEqual(configRouted, configTools);
});

test("the TypeScript declarations type-check real use under node16 (ESM and CJS) and bundler resolution, per condition", () => {
  copyFileSync(join(root, "tests/types/usage.ts"), join(project, "usage.ts"));
  copyFileSync(join(root, "tests/types/usage.cts"), join(project, "usage.cts"));
  const common = { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "dom"], skipLibCheck: false, types: [] };
  const configs = {
    node16: { module: "node16", moduleResolution: "node16" },
    bundler: { module: "esnext", moduleResolution: "bundler" },
    ...Object.fromEntries(["workerd", "edge-light", "worker", "browser"].map((c) => [`bundler-${c}`, { module: "esnext", moduleResolution: "bundler", customConditions: [c] }])),
  };
  for (const [name, options] of Object.entries(configs)) {
    writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...common, ...options }, files: ["usage.ts", "usage.cts"] }));
    try {
      execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", `tsconfig.${name}.json`], { cwd: project, encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc (${name}) failed:\n${e.stdout}${e.stderr}`);
    }
  }
});

test("@arethetypeswrong/cli finds nothing wrong but that segment-bloomreach/web is ESM only", () => {
  let report;
  try {
    report = JSON.parse(execFileSync(bin("attw"), [tarball, "--format", "json"], { cwd: project, encoding: "utf8" }));
  } catch (e) {
    report = JSON.parse(e.stdout);
  }
  const problems = (report.analysis?.problems ?? []).map((p) => `${p.kind} ${p.entrypoint} ${p.resolutionKind}`);
  // A page's module, on purpose: require("segment-bloomreach/web") is for Node ≥ 20.19 (require of ESM) only.
  assert.deepEqual(problems, ["CJSResolvesToESM ./web node16-cjs"]);
});

test("publint (strict) finds nothing in the tarball", () => {
  const out = tool(bin("publint"), ["run", tarball, "--strict"]);
  assert.match(out, /All good!/, out);
});
