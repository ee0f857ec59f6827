#!/usr/bin/env node
// The operator's dead letters from the command line: lists, replays or discards what exhausted its queue
// retries, through the Worker's admin routes (GET /admin/dead-letters, POST …/replay, POST …/discard).
//
//   WORKER_URL=https://segment-bloomreach-queue.<you>.workers.dev ADMIN_TOKEN=… node dev/dead-letters.mjs list [--limit=N]
//   … node dev/dead-letters.mjs replay <id>… | --all
//   … node dev/dead-letters.mjs discard <id>…
//
// WORKER_URL defaults to http://127.0.0.1:8787 (`bash dev/start --queue`); ADMIN_TOKEN is required.
import { parseArgs } from "node:util";

const USAGE = `Usage: node dev/dead-letters.mjs list [--limit=N] | replay <id>… | replay --all | discard <id>…
Environment: WORKER_URL (default http://127.0.0.1:8787), ADMIN_TOKEN (required)`;

function fail(message) {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: "string" }, all: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [command, ...ids] = positionals;
const base = (process.env.WORKER_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const token = process.env.ADMIN_TOKEN;
if (!token) fail("ADMIN_TOKEN is not set");

/** JSON text as a value, or undefined when it is not JSON (an error page). */
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function call(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = parsed(text);
  if (!response.ok) {
    console.error(`${response.status}: ${json?.error ? `${json.error.code}: ${json.error.message}` : text}`);
    process.exit(1);
  }
  return json;
}

if (command === "list") {
  // Page by page (each within the Worker's byte bound), up to --limit letters (default: all).
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  const letters = [];
  let total = 0;
  for (let after = ""; letters.length < limit;) {
    const page = await call(`/admin/dead-letters?limit=${Math.min(500, limit - letters.length)}${after}`);
    total = page.total;
    letters.push(...page.letters);
    for (const failed of page.failedObjects ?? []) console.error(`${failed.object} did not answer: ${failed.error}`);
    if (!page.next) break;
    after = `&after=${encodeURIComponent(page.next)}`;
  }
  console.log(`${total} parked${letters.length < total ? ` (the oldest ${letters.length} listed)` : ""}`);
  for (const letter of letters) {
    const commands = (letter.event?.commands ?? []).map((c) => c.command_id).join(", ");
    console.log(`${letter.id}  parked ${new Date(letter.parkedAt).toISOString()}  messageId ${letter.messageId ?? "-"}  replays ${letter.replays}`);
    console.log(`    commands: ${commands || "-"}`);
    console.log(`    last error: ${letter.lastError}`);
  }
} else if (command === "replay") {
  if (values.all === (ids.length > 0)) fail("replay takes IDs or --all");
  const report = await call("/admin/dead-letters/replay", values.all ? { all: true } : { ids });
  console.log(JSON.stringify(report, null, 2));
} else if (command === "discard") {
  if (ids.length === 0) fail("discard takes IDs");
  console.log(JSON.stringify(await call("/admin/dead-letters/discard", { ids }), null, 2));
} else {
  fail(command ? `unknown command "${command}"` : "no command");
}
