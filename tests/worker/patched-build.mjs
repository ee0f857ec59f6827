// A copy of the built Worker (build/) for tests that need what no sender can cause: a trap inside the wasm, a clock that is not now, an alarm that fails or rings early.
//
// The copy's glue (worker-build's workers-rs.js) is changed in three of the wasm's calls out to
// JavaScript (the clock, an object's setAlarm, the upstream exchange), and a test entry module
// extends the Worker's own default export, so everything else a test exercises is the shipped
// Worker. A request's headers drive the changes (the entry reads them before the Worker sees the
// request; a Durable Object in the same isolate sees them too):
//
// - `x-test-trap: clock | send`: at the next reading of the time (`clock`: before the ledger) or
//   the next request handed to Bloomreach (`send`: after the ledger's claim), the glue calls the
//   wasm's allocator with an impossible size, which aborts: `unreachable`, a real trap.
// - `x-test-clock-shift: <ms>`: from this request on, the time the Worker and its objects read
//   (`Date.now()`, which `clock.rs` reads) is that far from now, until a request says otherwise.
//   The runtime's own clock, and the alarms it runs, stay on time.
// - `x-test-alarm-fail: 1`: the next alarm a Durable Object sets fails (its promise rejects).
// - `x-test-alarm-in: <ms>`: the next alarm a Durable Object sets (whatever time it asks for)
//   rings that many milliseconds from now instead; the ones after ring when asked. With
//   `x-test-alarm-fail` in the same request, the one after the failed one.

import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The entry module in the copy. */
const PATCHED_ENTRY = "test-entry.js";

/** `text` with `pattern`'s one match replaced; fails, naming `what`, when the glue has changed. */
function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, "g")) ?? [];
  assert.equal(matches.length, 1, `worker-build's glue (build/workers-rs.js) has ${matches.length} matches for ${what}: tests/worker/patched-build.mjs needs updating`);
  return text.replace(pattern, replacement);
}

/** startWorker (support.mjs) with `options` on a patched copy, which the worker's `dispose()` removes. */
export async function startPatchedWorker(options = {}) {
  const build = patchedBuild();
  let worker;
  try {
    worker = await startWorker({ ...options, build: build.dir, entry: PATCHED_ENTRY });
  } catch (error) {
    build.remove();
    throw error;
  }
  const dispose = worker.dispose;
  worker.dispose = async () => {
    try {
      await dispose();
    } finally {
      build.remove();
    }
  };
  return worker;
}

/** Makes the copy; returns its directory and `remove()`. */
function patchedBuild() {
  const dir = mkdtempSync(path.join(tmpdir(), "worker-patched-"));
  cpSync(path.join(root, "build"), dir, { recursive: true });
  const gluePath = path.join(dir, "workers-rs.js");
  let glue = readFileSync(gluePath, "utf8");
  const exportsName = glue.match(/([\w$]+)\.__wbindgen_malloc\b/)?.[1];
  assert.ok(exportsName, "the glue's name for the wasm's exports");
  // 4 GiB - 8 bytes is no valid allocation on wasm32: the allocator aborts.
  const trapIf = (where) =>
    `if(globalThis.__testTrap===${JSON.stringify(where)}){globalThis.__testTrap=null;${exportsName}.__wbindgen_malloc(4294967288,8)}`;
  glue = replaceOnce(
    glue,
    /(__wbg_now_[0-9a-f]+:function\(\)\{)return Date\.now\(\)\}/,
    `$1${trapIf("clock")}return Date.now()+(globalThis.__testClockShift??0)}`,
    "the clock's import (Date.now)",
  );
  glue = replaceOnce(
    glue,
    /(__wbg_setAlarm_[0-9a-f]+:function\(([\w$]+),([\w$]+),([\w$]+)\)\{)/,
    "$1if(globalThis.__testAlarmFail){globalThis.__testAlarmFail=false;return Promise.reject(new Error(\"setAlarm failed (a test's)\"))}" +
      "if(globalThis.__testAlarmIn!=null){$3=Date.now()+globalThis.__testAlarmIn;globalThis.__testAlarmIn=null}",
    "the Durable Object alarm's import (setAlarm)",
  );
  glue = replaceOnce(glue, /(__wbg_postBatch_[0-9a-f]+:function\([\w$,]+\)\{)/, `$1${trapIf("send")}`, "the upstream exchange's import (postBatch)");
  writeFileSync(gluePath, glue);
  writeFileSync(
    path.join(dir, PATCHED_ENTRY),
    `import Worker from "./index.js";
export * from "./index.js";
export default class PatchedForTests extends Worker {
  fetch(request) {
    globalThis.__testTrap = request.headers.get("x-test-trap");
    const shift = request.headers.get("x-test-clock-shift");
    if (shift !== null) globalThis.__testClockShift = Number(shift);
    if (request.headers.get("x-test-alarm-fail") === "1") globalThis.__testAlarmFail = true;
    const alarmIn = request.headers.get("x-test-alarm-in");
    if (alarmIn !== null) globalThis.__testAlarmIn = Number(alarmIn);
    return super.fetch(request);
  }
}
`,
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
