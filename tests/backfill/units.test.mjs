// The backfill CLI's parts on their own: the checkpoint's line ranges, cutting commands out of a
// body, splitting a stream into lines, the sender's retries and rate limit (with a fake fetch).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { Checkpoint, RangeSet, lockCheckpoint } from "../../pkg/cli/checkpoint.mjs";
import { HEAD_BYTES, MAX_LINE_BYTES, TooLongLine, identify, lineBatches, openInput } from "../../pkg/cli/input.mjs";
import { commandsBody, createSender, job } from "../../pkg/cli/sender.mjs";

test("RangeSet: lines done in any order merge into the fewest ranges", () => {
  const set = new RangeSet();
  for (const n of [1, 2, 3, 7, 5, 9, 4, 8, 6, 12, 11]) set.add(n);
  assert.deepEqual(set.toJSON(), [[1, 9], [11, 12]]);
  assert.ok(set.has(1) && set.has(9) && set.has(11) && !set.has(10) && !set.has(13) && !set.has(0));
  assert.equal(set.size, 11);
  assert.ok(set.coversThrough(9) && !set.coversThrough(10));
  set.add(10);
  assert.deepEqual(set.toJSON(), [[1, 12]]);
  const loaded = new RangeSet([[20, 30], [1, 5], [6, 8], [25, 40]]);
  assert.deepEqual(loaded.toJSON(), [[1, 8], [20, 40]]);
  loaded.add(3);
  assert.deepEqual(loaded.toJSON(), [[1, 8], [20, 40]]);
  // A million lines in order with every 1,000th left out: one range per gap, no more.
  const sparse = new RangeSet();
  for (let n = 1; n <= 1_000_000; n++) if (n % 1000 !== 0) sparse.add(n);
  assert.equal(sparse.ranges.length, 1000);
});

test("Checkpoint: saved atomically, found again by content, refused for another project or when damaged", () => {
  const dir = mkdtempSync(join(tmpdir(), "checkpoint-unit-"));
  try {
    const path = join(dir, "cp.json");
    const project = { apiBaseUrl: "https://api.exponea.com/", projectToken: "p-1" };
    const { checkpoint } = Checkpoint.load(path, project);
    assert.equal(checkpoint.existed, false);
    const { entry } = checkpoint.entryFor({ name: "a.gz", bytes: 100, sha256: "s1", head: "h1" });
    entry.done.addRange(1, 50);
    entry.partial.set(52, new Set([0]));
    // Standard input read as it comes (not identified): never matched, never saved.
    const stream = checkpoint.entryFor({ name: "-", bytes: null, sha256: null, head: null });
    stream.entry.done.addRange(1, 10);
    checkpoint.save();
    assert.ok(!existsSync(`${path}.tmp-${process.pid}`));
    const saved = JSON.parse(readFileSync(path, "utf8"));
    assert.deepEqual({ ...saved, updatedAt: null }, {
      format: "segment-bloomreach-backfill-checkpoint", version: 2, project, updatedAt: null,
      files: [{ name: "a.gz", bytes: 100, sha256: "s1", head: "h1", lines: null, done: [[1, 50]], partial: [[52, [0]]] }],
    });
    const again = Checkpoint.load(path, project).checkpoint;
    assert.equal(again.existed, true);
    const found = again.entryFor({ name: "moved/a.gz", bytes: 100, sha256: "s1", head: "h1" });
    assert.equal(found.note, null);
    assert.deepEqual(found.entry.done.toJSON(), [[1, 50]]);
    assert.deepEqual([...found.entry.partial], [[52, new Set([0])]]);
    // The same first MB and the same size, another content (a file rewritten, an export redone).
    const rewritten = again.entryFor({ name: "a.gz", bytes: 100, sha256: "s2", head: "h1" });
    assert.equal(rewritten.note, "a.gz starts like a.gz in the checkpoint but its content differs (100 → 100 bytes): it is read as a new input, and lines they share are sent again");
    assert.deepEqual(rewritten.entry.done.toJSON(), []);
    // A cumulative export: the same first MB, more after it.
    const grown = again.entryFor({ name: "b.gz", bytes: 120, sha256: "s3", head: "h1" });
    assert.equal(grown.note, "b.gz starts like a.gz in the checkpoint but its content differs (100 → 120 bytes): it is read as a new input, and lines they share are sent again");
    assert.deepEqual(grown.entry.done.toJSON(), []);
    // Nothing is matched without its whole content's hash.
    assert.notEqual(again.entryFor({ name: "-", bytes: null, sha256: null, head: "h1" }).entry, found.entry);
    assert.match(Checkpoint.load(path, { ...project, projectToken: "p-2" }).problem, /was written for project p-1/);
    writeFileSync(path, "{}");
    assert.match(Checkpoint.load(path, project).problem, /is not a backfill checkpoint/);
    writeFileSync(path, JSON.stringify({ format: "segment-bloomreach-backfill-checkpoint", version: 2, project, files: [{ bytes: 1, sha256: "s", head: "h", done: [[5, 2]] }] }));
    assert.match(Checkpoint.load(path, project).problem, /damaged/);
    writeFileSync(path, JSON.stringify({ format: "segment-bloomreach-backfill-checkpoint", version: 2, project, files: [{ head: "h", done: [[1, 2]] }] }));
    assert.match(Checkpoint.load(path, project).problem, /damaged/, "an entry without the whole content's hash");
    writeFileSync(path, JSON.stringify({ format: "segment-bloomreach-backfill-checkpoint", version: 1, project, files: [{ head: "h", bytes: 1, done: [[1, 2]] }] }));
    assert.equal(Checkpoint.load(path, project).problem,
      `--checkpoint ${path}: was written by an earlier version, which recognised an input by its first MB only and could skip a different input as done; finish that backfill with the version that started it, or use a new checkpoint file`);

    const lock = lockCheckpoint(path);
    assert.equal(lock.problem, undefined);
    assert.equal(readFileSync(`${path}.lock`, "utf8"), `${process.pid}\n`);
    writeFileSync(`${path}.lock`, "1\n"); // held by a live process (init)
    assert.match(lockCheckpoint(path).problem, /another backfill \(process 1\) is using it/);
    writeFileSync(`${path}.lock`, "999999999\n"); // left by a process that is gone
    const taken = lockCheckpoint(path);
    assert.equal(taken.problem, undefined);
    taken.release();
    assert.ok(!existsSync(`${path}.lock`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** All of an input's lines. */
async function linesOf(input) {
  const lines = [];
  for await (const batch of input.batches()) lines.push(...batch);
  return lines;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

test("inputs are identified by their size and the hash of their whole content; standard input only once read, into a spool file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "input-unit-"));
  try {
    // Two exports sharing their first MB: the second is the first with one more line.
    const first = Buffer.from(Array.from({ length: 13_000 }, (_, i) => `{"n":${String(i).padStart(80, "0")}}`).join("\n") + "\n");
    assert.ok(first.length > HEAD_BYTES);
    const second = Buffer.concat([first, Buffer.from('{"n":"more"}\n')]);
    writeFileSync(join(dir, "a.jsonl"), first);
    writeFileSync(join(dir, "b.jsonl"), second);
    const a = await identify(join(dir, "a.jsonl"));
    const b = await identify(join(dir, "b.jsonl"));
    assert.deepEqual(a, { bytes: first.length, sha256: sha256(first), head: sha256(first.subarray(0, HEAD_BYTES)) });
    assert.deepEqual(b, { bytes: second.length, sha256: sha256(second), head: a.head });

    const file = await openInput(join(dir, "b.jsonl"));
    assert.deepEqual([file.bytes, file.sha256, file.head, file.gzip], [b.bytes, b.sha256, b.head, false]);
    assert.deepEqual(await linesOf(file), second.toString().split("\n").slice(0, -1));
    file.close();

    // Standard input without a spool file: read as it comes, not identified.
    const streamed = await openInput("-", { stdin: Readable.from([second]) });
    assert.deepEqual([streamed.bytes, streamed.sha256, streamed.head], [null, null, null]);
    assert.equal((await linesOf(streamed)).length, 13_001);

    // With one: read to its end first, identified as the file with the same content is, and
    // read from the spool, which is gone once the input is closed.
    const spoolTo = join(dir, "stdin.tmp");
    const spooled = await openInput("-", { stdin: Readable.from([second.subarray(0, 100), second.subarray(100)]), spoolTo });
    assert.deepEqual([spooled.bytes, spooled.sha256, spooled.head], [b.bytes, b.sha256, b.head]);
    assert.deepEqual(await linesOf(spooled), second.toString().split("\n").slice(0, -1));
    assert.equal(spooled.bytesRead(), second.length);
    spooled.close();
    assert.ok(!existsSync(spoolTo));

    // Gzipped standard input is still told by its first bytes.
    const gz = await openInput("-", { stdin: Readable.from([gzipSync(first)]), spoolTo });
    assert.equal(gz.gzip, true);
    assert.equal((await linesOf(gz)).length, 13_000);
    gz.close();

    // Stopped while standard input waits for a writer: no spool file is left.
    const controller = new AbortController();
    const waiting = openInput("-", { stdin: new Readable({ read() {} }), spoolTo, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waiting, { name: "AbortError" });
    assert.ok(!existsSync(spoolTo));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("commandsBody keeps the chosen commands as they are written, strings with brackets, commas and quotes included", () => {
  const commands = [
    { name: "customers/events", command_id: "a", data: { properties: { s: "x,]}[{\\\"", n: [1, { m: 2 }] } } },
    { name: "customers", command_id: "b", data: { properties: { big: 12345678901234567890 } } },
    { name: "customers/events", command_id: "c", data: {} },
  ];
  const body = JSON.stringify({ commands }).replace("12345678901234567000", "12345678901234567890");
  assert.equal(commandsBody(body, [1]), '{"commands":[{"name":"customers","command_id":"b","data":{"properties":{"big":12345678901234567890}}}]}');
  assert.deepEqual(JSON.parse(commandsBody(body, [0, 2])).commands, [commands[0], commands[2]]);
});

async function collect(chunks) {
  const lines = [];
  for await (const batch of lineBatches(Readable.from(chunks.map((c) => Buffer.from(c))))) lines.push(...batch);
  return lines;
}

test("lineBatches: CRLF, a byte order mark, lines across chunks and a last line without newline; an over-long line is not held", async () => {
  assert.deepEqual(await collect(["\ufeff{\"a\":1}\r\n\r\n  \n{\"b\"", ":2}\n{\"c\":3}"]), ['{"a":1}', "", "  ", '{"b":2}', '{"c":3}']);
  assert.deepEqual(await collect(["é\n", "ü", "\r", "\n"]), ["é", "ü"]);
  const split = [];
  for await (const batch of lineBatches(Readable.from([Buffer.from([0xc3]), Buffer.from([0xbc, 0x0a])]))) split.push(...batch);
  assert.deepEqual(split, ["ü"], "a character split across chunks");
  const long = "x".repeat(MAX_LINE_BYTES + 10);
  const lines = await collect(["ok\n", long.slice(0, 300_000), long.slice(300_000), "\nafter"]);
  assert.equal(lines[0], "ok");
  assert.ok(lines[1] instanceof TooLongLine);
  assert.equal(lines[1].bytes, MAX_LINE_BYTES + 10);
  assert.equal(lines[2], "after");
  const failing = Readable.from((async function* () {
    yield Buffer.from("one\ntw");
    throw new Error("cut short");
  })());
  const seen = [];
  await assert.rejects(async () => {
    for await (const batch of lineBatches(failing)) seen.push(...batch);
  }, /cut short/);
  assert.deepEqual(seen, ["one"], "a line cut short by a failing stream is not yielded");
});

/** A fake fetch answering from `answers` in order: [status, body, headers?] or "network". */
function fakeFetch(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, body: init.body, at: Date.now() });
    const answer = answers.shift() ?? [200, null];
    if (answer === "network") throw new TypeError("fetch failed");
    const [status, body, headers = {}] = answer;
    const commands = JSON.parse(init.body).commands;
    const text = body ?? JSON.stringify({ success: true, results: commands.map((c) => ({ success: true, command_id: c.command_id })) });
    return new Response(text, { status, headers });
  };
  return { fetch, calls };
}

function readResponseStub(request, status, text) {
  const ids = JSON.parse(request.body).commands.map((c) => c.command_id);
  if (status === 0 || status === 429 || status >= 500) return ids.map((commandId) => ({ commandId, outcome: "retry", message: `HTTP ${status}` }));
  if (status === 401) return ids.map((commandId) => ({ commandId, outcome: "rejected", message: "HTTP 401 from Bloomreach" }));
  const results = JSON.parse(text).results;
  return ids.map((commandId, i) => ({ commandId, outcome: results[i] ? (results[i].success ? "delivered" : "rejected") : "retry", message: results[i] ? undefined : "no result" }));
}

function request(ids) {
  return { method: "POST", url: "http://bloomreach.test/batch", headers: {}, body: JSON.stringify({ commands: ids.map((id) => ({ name: "customers", command_id: id, data: {} })) }) };
}

function senderWith(answers, options = {}) {
  const fake = fakeFetch(answers);
  const log = [];
  const sender = createSender({ fetch: fake.fetch, backoffMs: 10, random: () => 1, ...options }, {
    readResponse: readResponseStub,
    onOutcome: (ref, outcome, message, commandId) => log.push([ref, outcome, commandId]),
    onPending: (ref, message) => log.push([ref, "pending", message]),
    onFatal: (message) => log.push(["fatal", message]),
  });
  return { sender, log, calls: fake.calls };
}

test("sender: only the commands Bloomreach did not answer go again; after maxAttempts they are pending", async () => {
  const { sender, log, calls } = senderWith([
    [200, JSON.stringify({ success: true, results: [{ success: true, command_id: "a" }, { success: false, command_id: "b", errors: ["bad"] }] })],
    [503, "{}"],
    "network",
  ], { maxAttempts: 3 });
  sender.enqueue(job(request(["a", "b", "c"]), ["ra", "rb", "rc"]));
  await sender.idle();
  assert.deepEqual(calls.map((c) => JSON.parse(c.body).commands.map((x) => x.command_id)), [["a", "b", "c"], ["c"], ["c"]]);
  assert.deepEqual(log, [["ra", "delivered", "a"], ["rb", "rejected", "b"], ["rc", "pending", "HTTP 0"]]);
});

test("sender: a 429 holds back every request for its Retry-After; 401 is fatal, never counted as rejected", async () => {
  const { sender, log, calls } = senderWith([[429, "{}", { "Retry-After": "1" }]], { concurrency: 2, ratePerMinute: 600_000 });
  sender.enqueue(job(request(["a"]), ["ra"]));
  await new Promise((resolve) => setTimeout(resolve, 50));
  sender.enqueue(job(request(["b"]), ["rb"]));
  await sender.idle();
  assert.deepEqual(calls.map((c) => JSON.parse(c.body).commands[0].command_id).sort(), ["a", "a", "b"]);
  const after429 = calls.slice(1).map((c) => c.at - calls[0].at);
  assert.ok(after429.every((ms) => ms >= 990), `nothing went out during the Retry-After second: ${after429}`);
  assert.deepEqual(log.map(([ref, outcome]) => [ref, outcome]).sort(), [["ra", "delivered"], ["rb", "delivered"]]);

  const refused = senderWith([[401, "{}"]]);
  refused.sender.enqueue(job(request(["x"]), ["rx"]));
  await refused.sender.idle();
  assert.deepEqual(refused.log, [["fatal", "HTTP 401 from Bloomreach"]]);
});

test("sender: stop() lets requests in flight finish and drops the rest", async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const calls = [];
  const log = [];
  const sender = createSender({ concurrency: 1, fetch: async (url, init) => {
    calls.push(init.body);
    await gate;
    return new Response(JSON.stringify({ success: true, results: [{ success: true }] }), { status: 200 });
  } }, { readResponse: readResponseStub, onOutcome: (ref, outcome) => log.push([ref, outcome]), onPending: () => {} });
  sender.enqueue(job(request(["a"]), ["ra"]));
  sender.enqueue(job(request(["b"]), ["rb"]));
  await new Promise((resolve) => setTimeout(resolve, 20));
  sender.stop();
  release();
  await sender.idle();
  assert.equal(calls.length, 1);
  assert.deepEqual(log, [["ra", "delivered"]]);
});
