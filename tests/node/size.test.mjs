// Size budgets: the npm package's wasm, segment-bloomreach/config's wasm and the Worker bundle, raw and gzip (deterministic, so a test may check them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KB = 1024;
// 200 KB until the rules (Segment's mapping-kit and FQL, and the mapper running them) were
// compiled in: about 67 KB gzip at opt-level 3. Their crate is built at "z", the shell writes its
// answers without serde_json's `json!`, and the core reads times itself (no `time` crate), which
// brought the whole back to 206 KB; the rest would cost either the classic mapping's speed
// (building the core at "s": 1.3-1.5x slower, under the plain-JS mapping) or conformance
// (dropping full Unicode case mapping from `@case`). 216 KB until the presets (+2.5 KB gzip:
// the e-commerce table and consent) and compiled mappings for `transform` (+2.6 KB: mapping
// slots, the payload projection, the one-pass output writer, which made `transform` 3-11x
// faster) and building only what the rules read of an event (+1.3 KB) took the inlined bundler
// entry to 218 KB; issue 24's transformMany, per-rule reads and mapEvent crossing (+1.5 KB) to
// 220 KB; issue 24's faster compiled transform (+1.7 KB) to 223 KB (228,154 B). See
// benches/README.md, "Sizes".
const NPM_WASM_GZIP_BUDGET = 224 * KB;
// segment-bloomreach/config's wasm (crates/config-wasm), kept out of the main one, which at 229.8 KB
// gzip with validateConfig in it was over its budget. It carries the configuration model and
// everything a source's settings are validated with (the core's settings code, the rules'
// compilers, serde_json): 127,707 B gzip (275,031 B raw) when it was split out. 128 KB leaves ~3 KB
// for the model and the settings to grow before someone looks again; the main wasm's budget, not
// this one, is the decided one, and this only keeps the Node-only download from creeping. Raised to
// 144 KB when sources gained rate limits and browser keys allowed origins (origins are parsed and
// checked like URLs: 131,365 B gzip) and the console's per-source inspector settings were due.
const CONFIG_WASM_GZIP_BUDGET = 144 * KB;
// The Worker: 400 KB until sources and destinations became data (a second Durable Object class,
// the configuration store; its admin API; the configuration's validation; routing by credential):
// +32 KB gzip after building the Worker's shell and the configuration model at "z" and keeping
// the admin routes' state machines out of the ingest path (from +55 KB). Cloudflare's own limit is
// 3 MB gzip on the Free plan; the budget stays tight so growth is noticed, not to fit a limit.
// The console's inspector (#22: a third Durable Object class, its capture after each answer, the
// overview, events, live and try routes): +30 KB gzip (434 → 464 KB), after reading and writing
// its messages through serde_json's Value by hand instead of derived serde code (-6 KB), counts
// by code in a sorted Vec instead of a BTreeMap (-3 KB) and no alarm handler (workers-rs exports
// either the alarm or the WebSocket handlers). The console's sign-in: +3.7 KB. Issue 21's rate
// limits (called through js_sys, not workers-rs's serde-wasm-bindgen wrapper: -6 KB), allowed
// origins and receipt stamps: +5 KB. 490,007 B in all with the inspector's alarm and its count
// of refused requests; 480 KB then. Issue 24 asked for 400 KB: not met. Its size work took the
// bundle from 489,438 to 462,676 B (Rust's float parser, four copies of std's stable sort and the
// canonical JSON's unstable sort out, wasm-opt -Oz, the dependencies the mapping does not run per
// event built at "z" for the Worker). The core at "s" would give 24 KB more but costs the Worker
// 8-25 % of its CPU. Then issue 24's ledger round (the claims and settles as RPC methods with the
// entry module that allows them, keys by event, LEDGER_OBJECTS) and one-event work took it to
// 468,492 B (+5.8 KB), and the faster compiled transform in the shared rules code to 469,493 B;
// 460 KB leaves about 1.5 KB. See benches/README.md, "Sizes".
const WORKER_GZIP_BUDGET = 460 * KB;

/** Raw and gzip (level 9, as `gzip -9`) bytes of each file, and their totals. */
function sizes(files) {
  const each = files.map((file) => {
    const bytes = readFileSync(file);
    return { file: relative(root, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { each, raw: each.reduce((s, f) => s + f.raw, 0), gzip: each.reduce((s, f) => s + f.gzip, 0) };
}

const describe = (s) => s.each.map((f) => `${f.file}: ${f.raw} B raw, ${f.gzip} B gzip`).join("; ");

test("each npm entry's wasm stays within 224 KB gzip", (t) => {
  const wasm = join(root, "pkg/node/segment_bloomreach_bg.wasm");
  assert.ok(existsSync(wasm), "pkg/node is built (bash dev/build)");
  const s = sizes([wasm]);
  t.diagnostic(describe(s));
  assert.ok(s.gzip <= NPM_WASM_GZIP_BUDGET, `${s.gzip} B gzip is over the ${NPM_WASM_GZIP_BUDGET} B budget`);
  // node/ and web/ ship the same module (edge/ imports web/'s); bundler/ inlines it, gzipped, as base64.
  const web = join(root, "pkg/web/segment_bloomreach_bg.wasm");
  assert.ok(readFileSync(web).equals(readFileSync(wasm)), "pkg/web has the same wasm");
  const inlined = sizes([join(root, "pkg/bundler/segment_bloomreach_bg.wasm.js")]);
  t.diagnostic(`${describe(inlined)} (inlined: ${inlined.gzip - s.gzip} B gzip more than the .wasm)`);
  assert.ok(inlined.gzip <= NPM_WASM_GZIP_BUDGET, `the inlined wasm: ${inlined.gzip} B gzip is over the ${NPM_WASM_GZIP_BUDGET} B budget`);
});

test("segment-bloomreach/config's wasm stays within 144 KB gzip", (t) => {
  const wasm = join(root, "pkg/config/segment_bloomreach_config_bg.wasm");
  assert.ok(existsSync(wasm), "pkg/config is built (bash dev/build)");
  const s = sizes([wasm]);
  t.diagnostic(describe(s));
  assert.ok(s.gzip <= CONFIG_WASM_GZIP_BUDGET, `${s.gzip} B gzip is over the ${CONFIG_WASM_GZIP_BUDGET} B budget`);
});

test("the Worker bundle (build/) stays within 460 KB gzip", (t) => {
  const build = join(root, "build");
  if (!existsSync(join(build, "index.js"))) {
    t.skip("build/ is absent: the Worker is not built here (bash dev/build --worker builds it)");
    return;
  }
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith(".")) continue; // worker-build's scratch and .gitignore are not uploaded
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(m?js|wasm)$/.test(name)) files.push(path);
    }
  };
  walk(build);
  const s = sizes(files.sort());
  t.diagnostic(`${describe(s)}; total ${s.raw} B raw, ${s.gzip} B gzip`);
  assert.ok(files.some((f) => f.endsWith(".wasm")), "the bundle has its wasm");
  assert.ok(s.gzip <= WORKER_GZIP_BUDGET, `${s.gzip} B gzip is over the ${WORKER_GZIP_BUDGET} B budget`);
});
