// The backfill CLI as users run it: the npm package packed, installed into a fresh project, and
// `segment-bloomreach backfill` run as a child process against the Bloomreach stand-in with faults.
// Every outcome is counted at the stand-in, by command_id.
//
// CI form (part of `bash dev/test`): a 20,000-event export over 4 gzipped files.
// Long form: BACKFILL_EVENTS=200000 node --test --test-timeout=1800000 tests/backfill/
// Knobs: BACKFILL_EVENTS, BACKFILL_SEED. The CLI runs with BACKFILL_BACKOFF_MS=100 (its first
// retry waits 50-100 ms instead of 0.5-1 s) and BACKFILL_PROGRESS_MS=500.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { gzipSync } from "node:zlib";
import { positiveInt } from "../env.mjs";
import { FAULT_KINDS, createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import {
  API_KEY, API_SECRET, PROJECT_TOKEN, SETTINGS_FILE, expectedReject, generateExport, installPackage, runCli, startCli, until,
} from "./support.mjs";

const EVENTS = positiveInt("BACKFILL_EVENTS", 20_000);
const SEED = positiveInt("BACKFILL_SEED", 0xbacf11);
const SECRETS_ENV = { BLOOMREACH_API_KEY: API_KEY, BLOOMREACH_API_SECRET: API_SECRET };

let pkg;
let dir;
let big; // the generated export

before(() => {
  pkg = installPackage();
  dir = mkdtempSync(join(tmpdir(), "backfill-test-"));
  big = generateExport(dir, { events: EVENTS, files: 4, seed: SEED });
});

after(() => {
  pkg?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in listening on a free port, and a settings file pointing at it. */
async function standInWith(faults = {}, name = "settings.json") {
  const standIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, apiSecret: API_SECRET, log: null, seed: SEED, faults });
  const { url } = await standIn.listen();
  const settingsPath = join(dir, name);
  writeFileSync(settingsPath, JSON.stringify({ ...SETTINGS_FILE, apiBaseUrl: url }));
  return { standIn, url, settingsPath };
}

/**
 * Checks the stand-in against the export: each event's commands saved exactly once (and as the
 * package maps them), except the commands Bloomreach rejected, which were saved never; nothing
 * else saved. Returns the rejects-file records the Bloomreach rejections must have produced.
 */
function checkStored(standIn, lines) {
  const stored = standIn.received.storedByCommandId();
  const failed = new Set();
  for (const request of standIn.received.requests) for (const error of request.errors) failed.add(error.command_id);
  const known = new Set();
  const problems = [];
  const bloomreachRejects = [];
  let delivered = 0;
  for (const entry of lines) {
    if (entry.kind !== "event") continue;
    const rejectedIds = [];
    for (const command of entry.commands) {
      known.add(command.command_id);
      const copies = stored.get(command.command_id) ?? [];
      if (failed.has(command.command_id)) {
        rejectedIds.push(command.command_id);
        if (copies.length !== 0) problems.push(`${command.command_id}: rejected by Bloomreach, yet saved ${copies.length} times`);
        continue;
      }
      if (copies.length !== 1) problems.push(`${command.command_id} (${entry.file}:${entry.line}): saved ${copies.length} times`);
      for (const { name, command_id, data } of copies) {
        if (!isDeepStrictEqual({ name, command_id, data }, command)) problems.push(`${command.command_id}: saved differently from the package's mapping`);
      }
    }
    if (rejectedIds.length > 0) {
      bloomreachRejects.push({
        file: entry.file, line: entry.line, messageId: entry.event.messageId, code: "bloomreach_rejected",
        message: rejectedIds.map((id) => `command ${id}: Bloomreach rejected the command: injected failure`).join("; "),
      });
    } else if (entry.commands.length > 0) {
      delivered += 1;
    }
  }
  for (const id of stored.keys()) if (!known.has(id)) problems.push(`${id}: saved, but no event of the export maps to it`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems at the stand-in`);
  return { bloomreachRejects, delivered };
}

function readJsonLines(path) {
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

const byPlace = (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
const sum = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

function assertNoSecrets(texts) {
  const basic = Buffer.from(`${API_KEY}:${API_SECRET}`).toString("base64");
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of [API_KEY, API_SECRET, basic]) assert.ok(!text.includes(secret), `${where} holds a secret`);
  }
}

test(`${EVENTS} events over 4 gzipped files with bad lines, under faults, interrupted by Ctrl-C and resumed: every good event saved exactly once, every bad line in the rejects file`, { timeout: Math.max(240_000, EVENTS * 30) }, async () => {
  const faults = { script: [...FAULT_KINDS], rate: 0.2, slowMs: 1_000, retryAfter: 1 };
  const { standIn, settingsPath } = await standInWith(faults);
  const checkpoint = join(dir, "run.checkpoint");
  const rejectsPath = join(dir, "rejects.jsonl");
  const args = ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--rejects", rejectsPath, "--rate", "60000", "--json", ...big.paths];
  const commands = big.lines.reduce((n, entry) => n + (entry.commands?.length ?? 0), 0);
  try {
    // Run 1: Ctrl-C once a third is saved, while a slow answer is on its way.
    const first = startCli(pkg.bin, args, { env: SECRETS_ENV });
    let exited = false;
    first.done.then(() => (exited = true));
    await until(() => exited || standIn.received.stored.length >= commands / 3, { what: "a third of the commands to be saved" });
    standIn.setFaults({ ...faults, script: Array(6).fill("slow") });
    await until(() => exited || standIn.received.requests.some((r) => r.fault === "slow" && r.status === null), { what: "a slow answer in flight" });
    assert.ok(!exited, "the first run was still going when interrupted");
    first.child.kill("SIGINT");
    const one = await first.done;
    assert.equal(one.code, 130, one.stderr);
    assert.equal(one.json.status, "interrupted");
    assert.match(one.stderr, /stopping: reading stopped, \d+ requests in flight finish/);
    assert.ok(standIn.received.requests.every((r) => r.status !== null || r.fault === "reset"), "it waited for every answer in flight");
    const savedFirst = standIn.received.stored.length;
    assert.ok(savedFirst < commands, "the first run stopped part way");
    const saved = JSON.parse(readFileSync(checkpoint, "utf8"));
    assert.ok(saved.files.length < 4 || saved.files.some((f) => f.lines === null), "some file was not read to its end");

    // Run 2: the same command resumes and finishes.
    standIn.setFaults(faults);
    const two = await runCli(pkg.bin, args, { env: SECRETS_ENV });
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.json.status, "complete");
    assert.ok(two.json.alreadyDone > 0);

    const { bloomreachRejects, delivered } = checkStored(standIn, big.lines);
    assert.ok(bloomreachRejects.length > 0, "the partial fault rejected some commands");
    const expectedRejects = [
      ...big.lines.filter((e) => e.kind === "bad" || e.rejected).map((e) => expectedReject(e)),
      ...bloomreachRejects,
    ].sort(byPlace);
    assert.deepEqual(readJsonLines(rejectsPath).sort(byPlace), expectedRejects, "the rejects file names every rejected line once, whole");

    const runs = [one.json, two.json];
    const total = (key) => runs.reduce((n, r) => n + r[key], 0);
    const events = big.lines.filter((e) => e.kind !== "blank");
    assert.equal(total("delivered"), delivered);
    assert.equal(runs.reduce((n, r) => n + sum(r.rejected), 0), expectedRejects.length);
    assert.equal(runs.reduce((n, r) => n + (r.skipped.opted_out ?? 0), 0), events.filter((e) => e.kind === "event" && e.commands.length === 0 && !e.rejected).length);
    assert.equal(two.json.lines, big.lines.length);
    assert.equal(two.json.pending.count, 0);
    const byFault = {};
    for (const r of standIn.received.requests) byFault[r.fault ?? "none"] = (byFault[r.fault ?? "none"] ?? 0) + 1;
    assert.deepEqual(Object.keys(byFault).sort(), ["none", ...FAULT_KINDS].sort(), "every fault kind was hit");
    const batchRequests = standIn.received.requests.filter((r) => r.path.endsWith("/batch")).length;
    assert.equal(total("requests"), batchRequests, "the runs count every request the stand-in saw");
    assert.ok(total("retries") > 0 && total("retries") < batchRequests, "faults were retried");

    const finalCheckpoint = JSON.parse(readFileSync(checkpoint, "utf8"));
    for (const file of finalCheckpoint.files) assert.deepEqual(file.done, [[1, file.lines]], `${file.name}: every line done`);
    assert.ok(!existsSync(`${checkpoint}.lock`), "the lock is released");
    assertNoSecrets({ "run 1 output": one.stdout + one.stderr, "run 2 output": two.stdout + two.stderr, checkpoint: readFileSync(checkpoint, "utf8"), rejects: readFileSync(rejectsPath, "utf8") });
    console.log(`  first run: ${one.json.delivered} delivered, then interrupted; second run: ${two.json.delivered} delivered, ` +
      `${two.json.alreadyDone} lines already done; requests by fault ${JSON.stringify(byFault)}`);
  } finally {
    await standIn.close();
  }
});

test("--dry-run sends nothing, needs no secrets, and counts what would be sent per event type", async () => {
  const { standIn, settingsPath } = await standInWith({}, "dry-settings.json");
  const rejectsPath = join(dir, "dry-rejects.jsonl");
  try {
    const { code, json, stderr } = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--dry-run", "--json", "--rejects", rejectsPath, ...big.paths]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(standIn.received.requests, [], "not one request, not even the credentials check");
    const events = big.lines.filter((e) => e.kind === "event");
    const bySegmentType = {};
    const byBloomreachType = {};
    for (const e of events.filter((x) => x.commands.length > 0)) {
      bySegmentType[e.event.type] ??= { events: 0, commands: 0 };
      bySegmentType[e.event.type].events += 1;
      bySegmentType[e.event.type].commands += e.commands.length;
      for (const c of e.commands) byBloomreachType[c.name === "customers" ? "customers" : c.data.event_type] = (byBloomreachType[c.name === "customers" ? "customers" : c.data.event_type] ?? 0) + 1;
    }
    const commands = events.reduce((n, e) => n + e.commands.length, 0);
    assert.equal(json.wouldSend.events, events.filter((e) => e.commands.length > 0).length);
    assert.equal(json.wouldSend.commands, commands);
    assert.deepEqual(json.wouldSend.bySegmentType, bySegmentType);
    assert.deepEqual(json.wouldSend.byBloomreachType, byBloomreachType);
    assert.ok(json.wouldSend.requests >= Math.ceil(commands / 50));
    assert.deepEqual(readJsonLines(rejectsPath).sort(byPlace), big.lines.filter((e) => e.kind === "bad" || e.rejected).map((e) => expectedReject(e)).sort(byPlace));
    const text = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--dry-run", big.paths[0]]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^Dry run complete after .* \(nothing was sent\)\.$/m);
    assert.match(text.stdout, /^ {4}page_visit +[\d,]+$/m);
    assert.match(text.stdout, /^ {4}track +[\d,]+ → [\d,]+$/m);
  } finally {
    await standIn.close();
  }
});

/** A small export in one file: the events given, as JSON Lines (gzipped when the name ends in .gz). */
function writeExport(name, events, { gzip = name.endsWith(".gz") } = {}) {
  const path = join(dir, name);
  const text = events.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("\n") + "\n";
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

const track = (id) => ({ type: "track", messageId: id, userId: `u-${id}`, event: "Order Completed", timestamp: "2023-05-01T10:00:00.000Z" });
const page = (id) => ({ type: "page", messageId: id, anonymousId: `a-${id}`, name: "Home", timestamp: "2023-05-01T10:00:00.000Z" });

function storedCounts(standIn) {
  return Object.fromEntries([...standIn.received.storedByCommandId()].map(([id, copies]) => [id, copies.length]));
}

test("under Bloomreach's rate limit: 429 with Retry-After slows it down, each turned-away request goes again, every event saved once", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({ rateLimit: 4 }, "rate-settings.json");
  const events = Array.from({ length: 700 }, (_, i) => track(`rl-${i}`));
  const path = writeExport("rate.jsonl", events);
  try {
    const { code, json, stderr } = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--rate", "6000", "--concurrency", "6", "--json", path], { env: SECRETS_ENV });
    assert.equal(code, 0, stderr);
    const batch = standIn.received.requests.filter((r) => r.path.endsWith("/batch"));
    const limited = batch.filter((r) => r.fault === "rate-limit").length;
    assert.ok(limited > 0, "the limit was hit");
    assert.equal(json.requests, batch.length);
    assert.equal(json.retries, limited, "each 429 sent its request once more, and nothing else was retried");
    assert.equal(json.delivered, events.length);
    assert.deepEqual(storedCounts(standIn), Object.fromEntries(events.map((e) => [e.messageId, 1])));
  } finally {
    await standIn.close();
  }
});

/**
 * A stand-in behind a proxy that can change what it forwards: `intercept(commands)` returns the
 * commands to forward (their answer is the stand-in's), or a status to answer with instead.
 */
async function interceptedStandIn(intercept, name) {
  const { standIn, settingsPath } = await standInWith({}, name);
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let body = Buffer.concat(chunks).toString("utf8");
    if (req.url.endsWith("/batch")) {
      const decision = intercept(JSON.parse(body).commands);
      if (typeof decision === "number") {
        res.writeHead(decision, { "content-type": "application/json" }).end(JSON.stringify({ success: false, errors: ["proxy says no"] }));
        return;
      }
      body = JSON.stringify({ commands: decision });
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([key]) => !["content-length", "host"].includes(key)));
    const answer = await standIn.handle(new Request(`http://stand-in${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body }));
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") }).end(await answer.text());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  writeFileSync(settingsPath, JSON.stringify({ ...SETTINGS_FILE, apiBaseUrl: `http://127.0.0.1:${server.address().port}` }));
  return { standIn, settingsPath, close: () => new Promise((resolve) => server.close(resolve)) };
}

test("events still failing after retries are pending: listed, exit 1; a rerun sends exactly what is missing, an event's delivered commands excluded", { timeout: 120_000 }, async () => {
  // 25 pages of two commands each (visit and session_ping): one request of 50. Bloomreach's
  // answer has no result for the last ping (the proxy kept it back), and its retry gets 503s:
  // with --max-attempts 2 that page is pending, though its visit was delivered.
  let failing = true;
  let first = true;
  const proxy = await interceptedStandIn((commands) => {
    if (first) {
      first = false;
      return commands.slice(0, -1);
    }
    return failing ? 503 : commands;
  }, "pending-settings.json");
  const { standIn, settingsPath } = proxy;
  const events = Array.from({ length: 25 }, (_, i) => page(`p-${i}`));
  const path = writeExport("pending.jsonl.gz", events);
  const checkpoint = join(dir, "pending.checkpoint");
  const args = ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--concurrency", "1", "--max-attempts", "2", "--json", path];
  try {
    const one = await runCli(pkg.bin, args, { env: SECRETS_ENV });
    assert.equal(one.code, 1, one.stderr);
    assert.equal(one.json.status, "pending");
    assert.deepEqual(one.json.pending, {
      count: 1,
      events: [{ file: path, line: 25, messageId: "p-24", message: 'HTTP 503 from Bloomreach: {"success":false,"errors":["proxy says no"]}' }],
    });
    assert.equal(one.json.delivered, 24);
    assert.deepEqual(JSON.parse(readFileSync(checkpoint, "utf8")).files[0].partial, [[25, [0]]], "the pending event's delivered visit is recorded");
    // A rerun while it still fails: the summary as text lists it.
    const text = await runCli(pkg.bin, args.filter((a) => a !== "--json"), { env: SECRETS_ENV });
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /^Backfill finished with events still pending after/m);
    assert.ok(text.stdout.includes(`    ${path}:25 (messageId "p-24"): HTTP 503 from Bloomreach`), text.stdout);
    assert.match(text.stdout, /Run the same command again to resume\./);

    failing = false;
    const before = standIn.received.requests.length;
    const two = await runCli(pkg.bin, args, { env: SECRETS_ENV });
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.json.delivered, 1);
    const sent = standIn.received.requests.slice(before).filter((r) => r.path.endsWith("/batch"));
    assert.deepEqual(sent.map((r) => r.commands), [1], "only the missing session_ping was sent");
    const expected = {};
    for (let i = 0; i < 25; i++) Object.assign(expected, { [`p-${i}`]: 1, [`p-${i}:session_ping`]: 1 });
    assert.deepEqual(storedCounts(standIn), expected);
    assert.equal(JSON.parse(readFileSync(checkpoint, "utf8")).files[0].partial, undefined);
  } finally {
    await proxy.close();
    await standIn.close();
  }
});

test("Bloomreach down: once --max-pending events are pending it stops reading, exit 1; a rerun delivers all", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({ rate: 1, kinds: ["500"] }, "down-settings.json");
  const events = Array.from({ length: 2_000 }, (_, i) => track(`down-${i}`));
  const path = writeExport("down.jsonl.gz", events);
  const checkpoint = join(dir, "down.checkpoint");
  const args = ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--max-attempts", "2", "--max-pending", "100", "--concurrency", "2", "--json", path];
  try {
    const one = await runCli(pkg.bin, args, { env: SECRETS_ENV });
    assert.equal(one.code, 1, one.stderr);
    assert.equal(one.json.status, "stopped");
    assert.match(one.json.stopReason, /^stopped reading: \d+ events are still failing after 2 attempts \(--max-pending\); Bloomreach may be down$/);
    assert.ok(one.json.pending.count >= 100 && one.json.pending.count < events.length);
    assert.equal(one.json.pending.events.length, 100, "the first 100 are listed");
    assert.equal(standIn.received.stored.length, 0);
    standIn.setFaults({});
    const two = await runCli(pkg.bin, args, { env: SECRETS_ENV });
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.json.delivered, events.length);
    assert.deepEqual(storedCounts(standIn), Object.fromEntries(events.map((e) => [e.messageId, 1])));
  } finally {
    await standIn.close();
  }
});

test("a second Ctrl-C aborts at once: answers in flight are not waited for, and their events are not recorded as done", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({ rate: 1, kinds: ["slow"], slowMs: 60_000 }, "abort-settings.json");
  const events = Array.from({ length: 500 }, (_, i) => track(`ab-${i}`));
  const path = writeExport("abort.jsonl.gz", events);
  const checkpoint = join(dir, "abort.checkpoint");
  try {
    const run = startCli(pkg.bin, ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--concurrency", "3", path], { env: SECRETS_ENV });
    await until(() => standIn.received.requests.filter((r) => r.fault === "slow").length === 3, { what: "three slow answers in flight" });
    run.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(run.child.exitCode, null, "a second after the first Ctrl-C, it still waits for the answers in flight");
    const abortedAt = Date.now();
    run.child.kill("SIGINT");
    const { code, stderr } = await run.done;
    assert.equal(code, 130);
    assert.match(stderr, /aborted: requests in flight were abandoned/);
    assert.ok(Date.now() - abortedAt < 30_000, "it did not wait for the answers (due 60 s after their requests)");
    const saved = JSON.parse(readFileSync(checkpoint, "utf8"));
    assert.deepEqual(saved.files[0]?.done ?? [], [], "nothing is recorded as done");
    assert.ok(!existsSync(`${checkpoint}.lock`));
  } finally {
    await standIn.close();
  }
});

test("standard input, gzipped or not; a rerun of the same input with its checkpoint sends nothing", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({}, "stdin-settings.json");
  const events = Array.from({ length: 300 }, (_, i) => track(`in-${i}`));
  const text = events.map((e) => JSON.stringify(e)).join("\n") + "\n";
  const checkpoint = join(dir, "stdin.checkpoint");
  const args = ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--json", "-"];
  try {
    const one = await runCli(pkg.bin, args, { env: SECRETS_ENV, stdin: gzipSync(text) });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.json.delivered, 300);
    const two = await runCli(pkg.bin, args, { env: SECRETS_ENV, stdin: gzipSync(text) });
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual([two.json.delivered, two.json.alreadyDone, two.json.requests], [0, 300, 0]);
    const plain = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--dry-run", "--json", "-"], { stdin: text });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.json.wouldSend.events, 300);
    assert.deepEqual(storedCounts(standIn), Object.fromEntries(events.map((e) => [e.messageId, 1])));
  } finally {
    await standIn.close();
  }
});

test("inputs are known by their whole content: a cumulative export sharing the first MB of another, a file rewritten at the same size and a different standard input are each read and sent, never skipped as done", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({}, "identity-settings.json");
  // Over 1 MB of events that every export below starts with.
  const shared = Array.from({ length: 1_100 }, (_, i) => ({ ...track(`id-${String(i).padStart(4, "0")}`), properties: { pad: "x".repeat(900) } }));
  const text = (events) => events.map((e) => JSON.stringify(e)).join("\n") + "\n";
  assert.ok(Buffer.byteLength(text(shared)) > 1 << 20);
  const more = (prefix, n) => Array.from({ length: n }, (_, i) => track(`${prefix}-${i}`));
  const january = writeExport("identity-january.jsonl", shared);
  const cumulative = writeExport("identity-january-february.jsonl", [...shared, ...more("feb", 40)]);
  const checkpoint = join(dir, "identity.checkpoint");
  const run = (files, stdin) => runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--checkpoint", checkpoint, "--json", ...files], { env: SECRETS_ENV, stdin });
  const counts = (json) => ({ status: json.status, lines: json.lines, alreadyDone: json.alreadyDone, events: json.events, delivered: json.delivered });
  const ids = (events) => events.map((e) => e.messageId);
  const expectStored = (times) => {
    const expected = {};
    for (const [list, n] of times) for (const id of list) expected[id] = (expected[id] ?? 0) + n;
    assert.deepEqual(storedCounts(standIn), expected);
  };
  try {
    // One run, both files: the cumulative export is a new input, read whole (the events they
    // share go twice: the checkpoint knows inputs, not events, and says so in a note).
    const one = await run([january, cumulative]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(counts(one.json), { status: "complete", lines: 2_240, alreadyDone: 0, events: 2_240, delivered: 2_240 });
    expectStored([[ids(shared), 2], [ids(more("feb", 40)), 1]]);

    // Standard input holding the cumulative export again: read to its end, recognised, skipped.
    const again = await run(["-"], readFileSync(cumulative));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(counts(again.json), { status: "complete", lines: 1_140, alreadyDone: 1_140, events: 0, delivered: 0 });

    // Standard input with the same first MB as finished inputs, and other events after it.
    const march = await run(["-"], text([...shared, ...more("mar", 25)]));
    assert.equal(march.code, 0, march.stderr);
    assert.deepEqual(counts(march.json), { status: "complete", lines: 1_125, alreadyDone: 0, events: 1_125, delivered: 1_125 });
    expectStored([[ids(shared), 3], [ids(more("feb", 40)), 1], [ids(more("mar", 25)), 1]]);

    // A file rewritten in place at the same size, its first MB unchanged, its last event another.
    const last = { ...track("zz-last"), properties: { pad: "x".repeat(900) } };
    const rewritten = [...shared.slice(0, -1), last];
    assert.equal(JSON.stringify(last).length, JSON.stringify(shared.at(-1)).length);
    writeFileSync(january, text(rewritten));
    const fixed = await run([january]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(counts(fixed.json), { status: "complete", lines: 1_100, alreadyDone: 0, events: 1_100, delivered: 1_100 });
    assert.match(fixed.stderr, /identity-january\.jsonl starts like .*identity-january\.jsonl in the checkpoint but its content differs \(\d+ → \d+ bytes\): it is read as a new input/);
    expectStored([[ids(shared.slice(0, -1)), 4], [ids(shared.slice(-1)), 3], [["zz-last"], 1], [ids(more("feb", 40)), 1], [ids(more("mar", 25)), 1]]);
    assert.deepEqual(readdirSync(dir).filter((name) => name.includes(".stdin-")), [], "no spool file is left");
  } finally {
    await standIn.close();
  }
});

test("a damaged gzip file: what could be read is sent, the damage is reported with its line, exit 1", { timeout: 120_000 }, async () => {
  const { standIn, settingsPath } = await standInWith({}, "damaged-settings.json");
  const events = Array.from({ length: 3_000 }, (_, i) => ({ ...track(`dm-${i}`), properties: { pad: `${i}`.repeat(40) } }));
  const whole = gzipSync(events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const path = join(dir, "damaged.jsonl.gz");
  writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
  try {
    const { code, json, stderr } = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--json", path], { env: SECRETS_ENV });
    assert.equal(code, 1, stderr);
    assert.equal(json.status, "pending");
    assert.equal(json.unreadable.length, 1);
    const { file, line, message } = json.unreadable[0];
    assert.equal(file, path);
    assert.match(message, /^the gzip data is damaged or cut short/);
    assert.ok(line > 0 && line < events.length);
    assert.equal(json.delivered, line, "every whole line before the damage was delivered");
    assert.deepEqual(storedCounts(standIn), Object.fromEntries(events.slice(0, line).map((e) => [e.messageId, 1])));
  } finally {
    await standIn.close();
  }
});

test("usage mistakes and invalid settings: exit 2, every problem listed, no stack trace, no secret shown", async () => {
  const settingsPath = join(dir, "bad-settings.json");
  writeFileSync(settingsPath, JSON.stringify({ apiBaseUrl: "ftp://example.com", projectToken: "has space", exponeaHardId: "registered", exponeaSoftId: "registered" }));
  const bad = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--rate", "fast", "--concurrency", "0", "--bogus", "missing.jsonl.gz", "--rejects", settingsPath], { env: { BLOOMREACH_API_SECRET: "sekrit-771" } });
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  const listed = bad.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
  assert.deepEqual(listed, [
    "unknown option --bogus",
    '--concurrency must be a whole number from 1 to 64, got "0"',
    '--rate must be a whole number from 1 to 1000000, got "fast"',
    `--rejects ${settingsPath} is also the --settings file`,
    `--settings ${settingsPath}: apiBaseUrl: must be an absolute https:// URL (e.g. https://api.exponea.com/)`,
    `--settings ${settingsPath}: apiKey: is required (in the file, or BLOOMREACH_API_KEY in the environment)`,
    `--settings ${settingsPath}: projectToken: must contain only letters, digits and '-' (it is a URL path segment)`,
    `--settings ${settingsPath}: exponeaSoftId: must differ from exponeaHardId (both are "registered"): userId and anonymousId would overwrite each other`,
    "missing.jsonl.gz: no such file",
  ]);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  assert.ok(!bad.stderr.includes("sekrit-771"));

  const none = await runCli(pkg.bin, ["backfill"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--settings FILE is required/);
  assert.match(none.stderr, /no FILE given/);

  const notJson = join(dir, "not-json-settings.json");
  writeFileSync(notJson, '{\n  "apiKey": "sekrit-771" x}');
  const unreadable = await runCli(pkg.bin, ["backfill", "--settings", notJson, big.paths[0]]);
  assert.equal(unreadable.code, 2);
  assert.ok(unreadable.stderr.includes(`--settings ${notJson}: is not valid JSON (line 2, column 26)\n`), unreadable.stderr);
  assert.ok(!unreadable.stderr.includes("sekrit-771"), "the text around the error is not quoted");

  const help = await runCli(pkg.bin, ["backfill", "--help"]);
  assert.equal(help.code, 0);
  for (const option of ["--settings", "--checkpoint", "--concurrency", "--rate", "--rejects", "--dry-run", "--json", "BLOOMREACH_API_KEY", "Examples:"]) {
    assert.ok(help.stdout.includes(option), `--help mentions ${option}`);
  }
  const top = await runCli(pkg.bin, ["frobnicate"]);
  assert.equal(top.code, 2);
  assert.match(top.stderr, /unknown command "frobnicate"/);
});

test("every apiBaseUrl of the shared fixtures: refused ones stop the command with exit 2 and the package's message, never a crash; accepted ones run", { timeout: 300_000 }, async () => {
  const { cases } = JSON.parse(readFileSync(new URL("../fixtures/settings/api-base-urls.json", import.meta.url), "utf8"));
  const input = writeExport("urls.jsonl", [track("url-1")]);
  const results = [];
  // Four at a time: each is a process of its own.
  for (let i = 0; i < cases.length; i += 4) {
    results.push(...await Promise.all(cases.slice(i, i + 4).map(async (c, j) => {
      const settingsPath = join(dir, `url-settings-${i + j}.json`);
      writeFileSync(settingsPath, JSON.stringify(c.input));
      const { code, stderr, json } = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--dry-run", "--json", input]);
      return { c, settingsPath, code, stderr, json };
    })));
  }
  for (const { c, settingsPath, code, stderr, json } of results) {
    if (c.error) {
      const listed = stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
      assert.deepEqual({ code, listed }, { code: 2, listed: c.error.problems.map((p) => `--settings ${settingsPath}: ${p.field}: ${p.message}`) }, c.name);
      assert.doesNotMatch(stderr, /internal error|\n\s+at /, `${c.name}: no crash`);
    } else {
      assert.deepEqual({ code, events: json?.wouldSend.events }, { code: 0, events: 1 }, `${c.name}: ${stderr}`);
    }
  }
});

test("a refused apiBaseUrl in a real run: exit 2 before any request, never an internal error", async () => {
  const settingsPath = join(dir, "port-settings.json");
  writeFileSync(settingsPath, JSON.stringify({ ...SETTINGS_FILE, apiBaseUrl: "https://api.exponea.com:99999" }));
  const input = writeExport("port.jsonl", [track("port-1")]);
  const { code, stdout, stderr } = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, input], { env: SECRETS_ENV });
  assert.deepEqual({ code, stdout, stderr }, {
    code: 2,
    stdout: "",
    stderr: `segment-bloomreach backfill: cannot start:\n  - --settings ${settingsPath}: apiBaseUrl: has a malformed host or port (e.g. https://api.exponea.com/)\n` +
      "Run `segment-bloomreach backfill --help` for the options.\n",
  });
});

test("credentials Bloomreach refuses, or a checkpoint of another project: exit 2 before anything is sent", async () => {
  const { standIn, settingsPath } = await standInWith({}, "creds-settings.json");
  try {
    const refused = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, big.paths[0]], { env: { BLOOMREACH_API_KEY: API_KEY, BLOOMREACH_API_SECRET: "wrong-secret-5521" } });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^segment-bloomreach backfill: Bloomreach refused the settings' credentials: HTTP 401 from Bloomreach/m);
    assert.ok(!refused.stderr.includes("wrong-secret-5521"));
    assert.equal(standIn.received.requests.filter((r) => r.path.endsWith("/batch")).length, 0);

    const other = join(dir, "other-project.checkpoint");
    writeFileSync(other, JSON.stringify({ format: "segment-bloomreach-backfill-checkpoint", version: 2, project: { apiBaseUrl: "https://api.exponea.com/", projectToken: "elsewhere" }, files: [] }));
    const mismatch = await runCli(pkg.bin, ["backfill", "--settings", settingsPath, "--checkpoint", other, big.paths[0]], { env: SECRETS_ENV });
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /was written for project elsewhere at https:\/\/api\.exponea\.com\/, not for the settings' project backfill-project/);
    assert.equal(standIn.received.stored.length, 0);
  } finally {
    await standIn.close();
  }
});

test("the tarball carries the CLI, and npx runs it", async () => {
  for (const file of ["cli/bin.mjs", "cli/backfill.mjs", "cli/checkpoint.mjs", "cli/input.mjs", "cli/options.mjs", "cli/progress.mjs", "cli/sender.mjs"]) {
    assert.ok(pkg.files.includes(file), `${file} in the tarball`);
  }
  const npx = await runCli("npx", ["--offline", "--no", "segment-bloomreach", "backfill", "--help"], { cwd: pkg.project });
  assert.equal(npx.code, 0, npx.stderr);
  assert.match(npx.stdout, /^Usage: segment-bloomreach backfill \[options\] FILE\.\.\./);
});
