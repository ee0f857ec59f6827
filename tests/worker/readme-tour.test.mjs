// The README's five-minute tour runs as written: `bash dev/start`, then every command block of the tour (ports moved to free ones), with the answers and stand-in lines the README shows.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, processGroup, ROOT } from "../runtimes/support.mjs";

/** The tour: the README's section from its heading to the next, and its code blocks (indented or fenced). */
function tour() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.match(/^## A five-minute tour\n([\s\S]*?)(?=^## )/m)?.[1];
  assert.ok(section, "README.md has a section `## A five-minute tour`");
  const blocks = [];
  let current = null;
  for (const line of section.split("\n")) {
    const indented = line.match(/^ {4}(.*)$/);
    if (indented) (current ??= []).push(indented[1]);
    else if (current) {
      blocks.push(current.join("\n"));
      current = null;
    }
  }
  if (current) blocks.push(current.join("\n"));
  return { section, blocks };
}

let start; // dev/start: { output(), running(), stop() }
let ports;
let scratch;

/** A tour command with the README's ports replaced by this run's, as bash runs it in `cwd`. */
function sh(script, { cwd = scratch } = {}) {
  const moved = script.replaceAll("127.0.0.1:8787", `127.0.0.1:${ports.worker}`).replaceAll("127.0.0.1:8788", `127.0.0.1:${ports.standIn}`);
  const run = spawnSync("bash", ["-euo", "pipefail", "-c", moved], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, WORKER_URL: `http://127.0.0.1:${ports.worker}`, NO_COLOR: "1" },
  });
  assert.equal(run.status, 0, `${moved}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

async function waitForOutput(pattern, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(start.output())) {
    if (Date.now() > deadline) assert.fail(`${what} did not appear in dev/start's output:\n${start.output().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

before(async () => {
  ports = { worker: await freePort(), standIn: await freePort(), inspector: await freePort() };
  // The tour's commands run from a folder that looks like the checkout (pkg/, dev/, node_modules/),
  // so the configuration file `config pull` writes lands there and not in the repository.
  scratch = mkdtempSync(join(tmpdir(), "segment-bloomreach-tour-"));
  for (const link of ["pkg", "dev", "node_modules"]) symlinkSync(join(ROOT, link), join(scratch, link));
  const child = spawn("bash", ["dev/start"], {
    cwd: ROOT,
    detached: true, // its own process group: stop() ends the stand-in, wrangler and workerd, nothing else
    stdio: ["ignore", "pipe", "pipe"],
    // A fresh ledger and configuration store, as on a new checkout (dev/start keeps them in .wrangler/state).
    env: { ...process.env, WORKER_PORT: String(ports.worker), STAND_IN_PORT: String(ports.standIn), INSPECTOR_PORT: String(ports.inspector), PERSIST_TO: join(scratch, "state"), NO_COLOR: "1", CI: "true" },
  });
  start = processGroup(child);
  const deadline = Date.now() + 170_000;
  while (!/Ready\./.test(start.output())) {
    if (!start.running()) assert.fail(`dev/start exited early:\n${start.output()}`);
    if (Date.now() > deadline) assert.fail(`dev/start was not ready in time:\n${start.output().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 250));
  }
});

after(async () => {
  await start?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("the tour's blocks are the ones this test runs, and each runs as the README says", async () => {
  const { section, blocks } = tour();
  const [track, standInLine, configBlock, ...rest] = blocks;
  assert.deepEqual(rest, [], "a new block in the tour: make this test run it");
  assert.match(track, /^curl -s http:\/\/127\.0\.0\.1:8787\/v1\/track/);
  assert.match(standInLine, /^#1 POST /);
  assert.match(configBlock, /^export ADMIN_TOKEN=/);

  // 1. The track call answers what the README says, and the stand-in prints the line it shows.
  const answer = section.match(/answers `(\{[^`]*\})`/)?.[1];
  assert.ok(answer, "the tour says what the track call answers");
  assert.equal(sh(track, { cwd: ROOT }), answer);
  await waitForOutput(new RegExp(`^${standInLine.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), standInLine);

  // 2. Sent again: the same answer, and nothing reaches the stand-in.
  assert.equal(sh(track, { cwd: ROOT }), answer);
  await new Promise((done) => setTimeout(done, 500));
  assert.doesNotMatch(start.output(), /^#2 POST /m);

  // 3. node dev/send-sample.mjs (named in the prose): one event of each call type, delivered.
  assert.match(section, /`node dev\/send-sample\.mjs`/);
  const sample = sh("node dev/send-sample.mjs", { cwd: ROOT });
  assert.match(sample, /-> 200/);
  await waitForOutput(/^#2 POST \/track\/v2\/projects\/local-project\/batch -> 200 /m, "the sample's batch");

  // 4. The mapping preview.
  assert.match(section, /The mapping preview is at http:\/\/127\.0\.0\.1:8787\//);
  const preview = await fetch(`http://127.0.0.1:${ports.worker}/`);
  assert.equal(preview.status, 200);
  assert.match(await preview.text(), /<html/i);

  // 5. The configuration: pull, the edit the README names, diff, push.
  const lines = configBlock.split("\n");
  const edit = lines.findIndex((l) => l.startsWith("# edit it"));
  assert.ok(edit > 0, "the config block says where to edit the file");
  assert.match(lines[edit], /set trackSessionPing = true/);
  const exports = lines.filter((l) => l.startsWith("export "));
  sh(lines.slice(0, edit).join("\n"));
  const file = join(scratch, "segment-bloomreach.toml");
  const pulled = readFileSync(file, "utf8");
  assert.match(pulled, /^trackSessionPing = false$/m);
  writeFileSync(file, pulled.replace(/^trackSessionPing = false$/m, "trackSessionPing = true"));
  const afterEdit = sh([...exports, ...lines.slice(edit + 1)].join("\n"));
  assert.match(afterEdit, /trackSessionPing: false → true/);

  // 6. "The next page view arrives with its session_ping, with no restart."
  assert.match(section, /next page view arrives with its `session_ping`/);
  sh(track.replace("/v1/track", "/v1/page").replace(/-d '.*'$/m, `-d '{"anonymousId": "visitor-1", "name": "Home"}'`), { cwd: ROOT });
  await waitForOutput(/^#\d+ POST \/track\/v2\/projects\/local-project\/batch -> 200 commands=2 ok=2 failed=0 \[page_visit x1, session_ping x1\]$/m, "the page view with its session_ping");

  // 7. `config history` lists the pushed version with its summary.
  assert.match(section, /`config history`/);
  const history = sh([...exports, "node pkg/cli/bin.mjs config history"].join("\n"));
  assert.match(history, /session pings on/);
});
