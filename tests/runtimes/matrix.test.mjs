// The runtime matrix: the packed package installed into a fresh app per runtime and per bundler,
// each running the same program (program.mjs) with a plain `import … from "segment-bloomreach"` (or
// require) and no init() call and no bundler configuration; each whole output must equal Node's.
//
//   Node (import, require) · Deno (import, require) · Bun (import, require) — binaries from npm
//     (devDependencies)
//   a Cloudflare Worker bundled by wrangler, in wrangler dev (real workerd)
//   a Vercel edge function: esbuild with Vercel's conditions and `.wasm?module` bindings, run in
//     `edge-runtime` (Vercel's edge sandbox) with wasm compilation from bytes turned off, as in production
//   browser apps bundled by esbuild, Vite (build, and its dev server), webpack 5 and Rollup, all
//     run in one Chromium
//
// Run: node --test --test-timeout=180000 tests/runtimes   (after `bash dev/build`)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createRequire } from "node:module";
import { makeApp, packPackage, removeDir, runtimeBinary, startWranglerDev } from "./support.mjs";
import { program } from "./program.mjs";
import { cases, settingsFor } from "../node/fixtures.js";
import { startStaticServer } from "../browser/static-server.mjs";
import { CHROMIUM } from "../../dev/screenshot-preview.mjs";

const require = createRequire(import.meta.url);
// The golden fixtures' inputs (tests/fixtures), which every runtime maps too.
const INPUT = {
  mapping: cases("mapping").map(([, c]) => [settingsFor(c), c.event]),
  batch: cases("batch").map(([, c]) => [settingsFor(c), c.events ?? null, c.body ?? null]),
  settings: cases("settings").map(([, c]) => c.input),
};
const PROGRAM = `const INPUT = ${JSON.stringify(INPUT)};\nconst program = ${program.toString()};\n`;
const scratch = packPackage();
let reference; // Node's output (import), what every other row must equal

/** Compares a row's printed output, whole, with Node's. */
function same(output, what) {
  let actual;
  try {
    actual = JSON.parse(output);
  } catch {
    assert.fail(`${what} printed no JSON:\n${output.slice(0, 2000)}`);
  }
  assert.deepEqual(actual, reference, `${what}: output differs from Node's`);
}

function run(command, args, cwd, env = {}) {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60_000 });
  } catch (error) {
    assert.fail(`${command} ${args.join(" ")} failed (${error.status ?? error.signal}):\n${error.stdout}${error.stderr}`);
  }
}

const print = `console.log(JSON.stringify(program(pkg, INPUT)));\n`;
const esm = `import * as pkg from "segment-bloomreach";\n${PROGRAM}${print}`;
const cjs = `const pkg = require("segment-bloomreach");\n${PROGRAM}${print}`;

let app; // the app the server-side runtimes share

before(() => {
  app = makeApp(scratch.dir, "server-app", scratch.tarball, { files: { "main.mjs": esm, "main.cjs": cjs } });
  reference = JSON.parse(run(process.execPath, ["main.mjs"], app));
});

after(() => removeDir(scratch.dir));

describe("server-side runtimes", () => {
  test("Node, import (the reference): the program's output is whole and sensible", () => {
    for (const name of ["buildRequests", "buildRequestsFromJson", "mapEvent", "readResponse", "validateSettings"]) assert.ok(reference.names.includes(name), name);
    assert.ok(reference.buildRequests.requests.length >= 2, "the batch fills more than one request");
    assert.ok(reference.buildRequests.rejected.length >= 3 && reference.buildRequests.skipped.length >= 1);
    assert.ok(reference.buildRequests.requests[0].body.includes("Café crème") && reference.buildRequests.requests[0].body.includes("🚀"));
    assert.equal(reference.errors.settings.error.code, "invalid_settings");
    assert.equal(reference.errors.json.error.code, "invalid_json");
    assert.deepEqual(reference.readResponse.saved.value.map((o) => o.outcome).slice(0, 3), ["delivered", "rejected", "delivered"]);
    assert.ok(reference.large.value.requests.length >= 20, "the large body fills many requests");
    assert.deepEqual(Object.values(reference.fixtures).map((list) => list.length), Object.values(INPUT).map((list) => list.length));
    for (const list of Object.values(reference.fixtures)) assert.ok(list.some((r) => r.value) && list.some((r) => r.error), "fixtures both map and fail");
  });

  test("Node, require", () => same(run(process.execPath, ["main.cjs"], app), "node main.cjs"));

  test("Deno (npm package `deno`): import with no permissions, require with --allow-read", () => {
    const env = { DENO_DIR: join(scratch.dir, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
    const deno = runtimeBinary("deno");
    same(run(deno, ["run", "--quiet", "main.mjs"], app, env), "deno run main.mjs");
    same(run(deno, ["run", "--quiet", "--allow-read", "main.cjs"], app, env), "deno run --allow-read main.cjs");
  });

  test("Bun (npm package `bun`), import and require", () => {
    const bun = runtimeBinary("bun");
    same(run(bun, ["main.mjs"], app), "bun main.mjs");
    same(run(bun, ["main.cjs"], app), "bun main.cjs");
  });

  test("a JavaScript Cloudflare Worker: bundled by wrangler, run by wrangler dev in workerd", async () => {
    const worker = makeApp(scratch.dir, "worker-app", scratch.tarball, {
      files: {
        "wrangler.toml": `name = "matrix"\nmain = "worker.js"\ncompatibility_date = "2026-04-01"\n`,
        "worker.js": `import * as pkg from "segment-bloomreach";\n${PROGRAM}export default { fetch: () => new Response(JSON.stringify(program(pkg, INPUT))) };\n`,
      },
    });
    const dev = await startWranglerDev(worker);
    try {
      const response = await fetch(dev.url);
      assert.equal(response.status, 200, `${await response.clone().text()}\n${dev.output()}`);
      same(await response.text(), "the Worker");
    } finally {
      await dev.stop();
    }
  });

  test("Vercel's edge runtime: an edge function bundled as Vercel does, run in edge-runtime", async () => {
    const esbuild = require("esbuild");
    const { EdgeRuntime } = require("edge-runtime");
    const edge = makeApp(scratch.dir, "edge-app", scratch.tarball, {
      files: { "api/edge.js": `import * as pkg from "segment-bloomreach";\n${PROGRAM}addEventListener("fetch", (event) => event.respondWith(new Response(JSON.stringify(program(pkg, INPUT)))));\n` },
    });
    // What Vercel's edge build does with an import of `x.wasm?module`: a global binding named by the
    // file's hash, filled in by the platform with the compiled module.
    const modules = {};
    const wasmBindings = {
      name: "vercel-edge-wasm",
      setup(build) {
        build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/\?module$/, "")), namespace: "wasm-binding" }));
        build.onLoad({ filter: /.*/, namespace: "wasm-binding" }, (args) => {
          const bytes = readFileSync(args.path);
          const name = `wasm_${createHash("sha1").update(bytes).digest("hex")}`;
          modules[name] = new WebAssembly.Module(bytes);
          return { contents: `export default globalThis[${JSON.stringify(name)}];`, loader: "js" };
        });
      },
    };
    const bundled = await esbuild.build({
      entryPoints: [join(edge, "api/edge.js")],
      bundle: true,
      format: "iife",
      platform: "browser",
      conditions: ["edge-light", "worker", "browser"],
      write: false,
      logLevel: "silent",
      plugins: [wasmBindings],
    });
    assert.equal(Object.keys(modules).length, 1, "the edge entry imports its wasm as a module");
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false }, // Vercel's edge compiles no wasm from bytes
      extend: (context) => Object.assign(context, modules),
      initialCode: bundled.outputFiles[0].text,
    });
    const response = await runtime.dispatchFetch("https://edge.example/api/edge");
    await response.waitUntil();
    same(await response.text(), "the edge function");
  });
});

describe("browser apps, one bundle per bundler, in one Chromium", () => {
  let browserApp;
  let browser;
  const page = (script) => `<!doctype html><meta charset="utf-8"><title>matrix</title><link rel="icon" href="data:,"><body>${script}</body>\n`;
  const main = `import * as pkg from "segment-bloomreach";\n${PROGRAM}window.__result = JSON.stringify(program(pkg, INPUT));\n`;

  before(async () => {
    browserApp = makeApp(scratch.dir, "browser-app", scratch.tarball, {
      packageJson: { type: "module" },
      files: { "src/main.js": main, "index.html": page(`<script type="module" src="/src/main.js"></script>`) },
    });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser?.close();
  });

  /** Loads the page at `origin` in a fresh context; returns what the program printed. */
  async function runPage(origin) {
    const context = await browser.newContext();
    const errors = [];
    try {
      const tab = await context.newPage();
      tab.on("pageerror", (error) => errors.push(String(error)));
      tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      await tab.goto(`${origin}/`);
      try {
        await tab.waitForFunction(() => typeof window.__result === "string", null, { timeout: 20_000 });
      } catch {
        assert.fail(`the page printed nothing; errors: ${errors.join("\n") || "(none)"}`);
      }
      assert.deepEqual(errors, []);
      return await tab.evaluate(() => window.__result);
    } finally {
      await context.close();
    }
  }

  /** Serves the bundle in `dist` and loads its index.html. */
  async function runBundle(dist) {
    const server = await startStaticServer(dist);
    try {
      return await runPage(server.origin);
    } finally {
      await server.close();
    }
  }

  test("esbuild (--bundle --format=esm, no loader for .wasm)", async () => {
    const esbuild = require("esbuild");
    const dist = join(browserApp, "dist-esbuild");
    await esbuild.build({ absWorkingDir: browserApp, entryPoints: ["src/main.js"], bundle: true, format: "esm", outdir: dist, logLevel: "silent" });
    writeFileSync(join(dist, "index.html"), page(`<script type="module" src="./main.js"></script>`));
    same(await runBundle(dist), "esbuild's bundle");
  });

  test("Vite (vite build, no config file)", async () => {
    const { build } = await import("vite");
    const dist = join(browserApp, "dist-vite");
    await build({ root: browserApp, configFile: false, logLevel: "silent", build: { outDir: dist, emptyOutDir: true } });
    same(await runBundle(dist), "Vite's bundle");
  });

  test("Vite's dev server (no config file): the package pre-bundled as a dependency", async () => {
    const { createServer } = await import("vite");
    const server = await createServer({ root: browserApp, configFile: false, logLevel: "silent", server: { host: "127.0.0.1", port: 0 } });
    try {
      await server.listen();
      same(await runPage(server.resolvedUrls.local[0].replace(/\/$/, "")), "Vite's dev server");
    } finally {
      await server.close();
    }
  });

  test("webpack 5 (production mode, no config file)", async () => {
    const webpack = require("webpack");
    const dist = join(browserApp, "dist-webpack");
    const stats = await new Promise((done, fail) =>
      webpack({ mode: "production", context: browserApp, entry: "./src/main.js", output: { path: dist } }, (error, result) => (error ? fail(error) : done(result))),
    );
    assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
    writeFileSync(join(dist, "index.html"), page(`<script src="./main.js"></script>`));
    same(await runBundle(dist), "webpack's bundle");
  });

  test("Rollup (with node-resolve, nothing for .wasm)", async () => {
    const { rollup } = await import("rollup");
    const { nodeResolve } = await import("@rollup/plugin-node-resolve");
    const dist = join(browserApp, "dist-rollup");
    const bundle = await rollup({ input: join(browserApp, "src/main.js"), plugins: [nodeResolve()], onwarn: () => {} });
    await bundle.write({ dir: dist, format: "es" });
    await bundle.close();
    writeFileSync(join(dist, "index.html"), page(`<script type="module" src="./main.js"></script>`));
    same(await runBundle(dist), "Rollup's bundle");
  });
});
