// The npm package as a user gets it: `npm pack`, installed into a fresh project, used from
// require, import, a bundler-style ES module wasm import, the browser build, and TypeScript.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const settings = { apiKey: "k", projectToken: "p", exponeaHardId: "registered", exponeaSoftId: "cookie" };
const event = { type: "page", messageId: "m-1", anonymousId: "a-1", name: "Home" };
const expected = [{ name: "customers/events", command_id: "m-1", data: { customer_ids: { cookie: "a-1" }, event_type: "page_visit", properties: { page_name: "Home" } } }];
let project;

function run(file, args = []) {
  return execFileSync(process.execPath, [...args, file], { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

before(() => {
  project = mkdtempSync(join(tmpdir(), "segment-bloomreach-user-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: join(root, "pkg"), encoding: "utf8" }));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(project, packed[0].filename)], { cwd: project, stdio: "ignore" });
});

after(() => rmSync(project, { recursive: true, force: true }));

test("the tarball holds the three builds, the wrapper and the types, and nothing else", () => {
  const files = readdirSync(join(project, "node_modules/segment-bloomreach"), { recursive: true }).sort();
  for (const f of ["index.d.ts", "web.d.ts", "src/api.js", "node/index.cjs", "node/index.mjs", "node/segment_bloomreach_bg.wasm",
    "bundler/index.js", "bundler/segment_bloomreach_bg.wasm", "web/index.js", "web/segment_bloomreach_bg.wasm", "package.json", "README.md"]) {
    assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
  }
  assert.ok(!files.some((f) => f.endsWith(".rs") || f.startsWith("target")), files.join(", "));
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

test("the bundler build imports its wasm as an ES module (as webpack 5 does)", () => {
  writeFileSync(join(project, "bundler.mjs"), `
    import { mapEvent } from "./node_modules/segment-bloomreach/bundler/index.js";
    console.log(JSON.stringify(mapEvent(${JSON.stringify(event)}, ${JSON.stringify(settings)})));`);
  assert.deepEqual(JSON.parse(run("bundler.mjs", ["--experimental-wasm-modules", "--no-warnings"])), expected);
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

test("the TypeScript declarations type-check real use (tsc --strict, nodenext resolution)", () => {
  copyFileSync(join(root, "tests/types/usage.ts"), join(project, "usage.ts"));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], skipLibCheck: false, types: [] },
    files: ["usage.ts"],
  }));
  writeFileSync(join(project, "package.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(project, "package.json"), "utf8")), type: "module" }));
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", project], { cwd: project, encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
