// What the backfill tests share: a generated Segment export with bad lines mixed in (and what each
// line must become), the npm package installed from its tarball, and running its CLI.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { mulberry32 } from "../../dev/bloomreach-stand-in.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PROJECT_TOKEN = "backfill-project";
export const API_KEY = "bf-key-4f1c9a7e";
export const API_SECRET = "bf-secret-0d83b2c6";

/** Settings as the user's file holds them: no secrets (they come from the environment). */
export const SETTINGS_FILE = { projectToken: PROJECT_TOKEN, exponeaHardId: "registered", exponeaSoftId: "cookie", flattenNestedObjects: true, trackSessionPing: true };
export const SETTINGS = { ...SETTINGS_FILE, apiKey: API_KEY, apiSecret: API_SECRET };

const { mapEvent, buildRequestsFromJson } = createRequire(import.meta.url)(join(ROOT, "pkg/node/index.cjs"));

/** Lines that are not JSON. */
const BAD_LINES = ["{not json", '{"type":"track","userId":"u-1"', "garbage", '{"a":1}}', "[1,"];
const TRACK_NAMES = ["Order Completed", "Product Viewed", "Signed Up", "Søk utført", "注文"];

/** One event: every call type, a page or screen with a session ping, some the mapping rejects or skips. */
function event(i, prefix, rng) {
  const pick = (list) => list[Math.floor(rng() * list.length)];
  const user = Math.floor(rng() * 300);
  const roll = rng();
  const ids = roll < 0.6 ? { userId: `u-${user}`, anonymousId: `a-${user}` } : roll < 0.8 ? { userId: `u-${user}` } : { anonymousId: `a-${user}` };
  const base = { messageId: `${prefix}-${i}`, ...ids, timestamp: new Date(Date.UTC(2023, 0, 1) + i * 7_000).toISOString(), context: { ip: "198.51.100.7", device: { type: "ios" } } };
  const kind = rng();
  let e;
  if (kind < 0.45) e = { type: "track", ...base, event: pick(TRACK_NAMES), properties: { i, price: 12.5, product: { sku: `sku-${i % 31}` } } };
  else if (kind < 0.65) e = { type: "page", ...base, name: pick(["Home", "Pricing", "Docs"]), properties: { path: `/p/${i % 40}` } };
  else if (kind < 0.73) e = { type: "screen", ...base, name: "Feed" };
  else if (kind < 0.87) e = { type: "identify", ...base, traits: { email: `u${user}@example.com`, address: { city: "Brno" } } };
  else if (kind < 0.94) e = { type: "group", ...base, userId: `u-${user}`, groupId: `g-${user % 20}`, traits: { name: "Acme" } };
  else e = { type: "alias", messageId: base.messageId, userId: `u-${user}`, previousId: `a-${user}`, timestamp: base.timestamp };
  const odd = rng();
  if (odd < 0.01 && e.type === "track") delete e.event; // missing_event_name
  else if (odd < 0.02 && e.type !== "alias") { delete e.userId; delete e.anonymousId; } // missing_identity
  else if (odd < 0.03) e.integrations = { "Bloomreach Engagement": false }; // skipped: opted_out
  else if (odd < 0.0315) e.properties = { blob: "x".repeat(40_000) }; // invalid_event: over 32 KB
  return e;
}

/**
 * A Segment export of `events` events over `files` gzipped JSON Lines files in `dir`, with about
 * 1.5 % lines that are not JSON and 1 % blank ones, one file with CRLF endings. Returns the file
 * paths and, per line, what it must become: `{ file, line, kind: "blank" | "bad" | "event", text,
 * event, commands, rejected: { code, message } }` (commands and rejections as the package maps them).
 */
export function generateExport(dir, { events, files, seed, prefix = "bf" }) {
  const rng = mulberry32(seed);
  const lines = [];
  const paths = [];
  const perFile = Math.ceil(events / files);
  let n = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `export-${f + 1}.json.gz`);
    paths.push(path);
    const texts = [];
    const add = (entry) => {
      texts.push(entry.text);
      lines.push({ file: path, line: texts.length, ...entry });
    };
    for (let k = 0; k < perFile && n < events; k++, n++) {
      const roll = rng();
      if (roll < 0.015) add({ kind: "bad", text: BAD_LINES[Math.floor(rng() * BAD_LINES.length)] });
      else if (roll < 0.025) add({ kind: "blank", text: roll < 0.02 ? "" : "   " });
      const e = event(n, prefix, rng);
      add({ kind: "event", text: JSON.stringify(e), event: e, ...expectation(e) });
    }
    const eol = f === 1 ? "\r\n" : "\n";
    writeFileSync(path, gzipSync(texts.join(eol) + eol));
  }
  return { paths, lines };
}

function expectation(event) {
  try {
    return { commands: mapEvent(event, SETTINGS) };
  } catch (error) {
    return { commands: [], rejected: { code: error.code, message: error.message } };
  }
}

/** The rejects-file record a line that the mapping rejects, or that is not JSON, must produce. */
export function expectedReject(entry, fileName = entry.file) {
  if (entry.kind === "bad") {
    let error;
    try {
      buildRequestsFromJson(entry.text, SETTINGS);
    } catch (e) {
      error = e;
    }
    const reason = error.message.replace(/^the body is not valid JSON: /, "").replace(/ \(line \d+, column \d+\)$/, "");
    return { file: fileName, line: entry.line, code: "invalid_json", message: `line ${entry.line}, column ${error.column}: not valid JSON (${reason})` };
  }
  const { code, message } = entry.rejected;
  // The package names the event by its position; the rejects file by its line.
  return { file: fileName, line: entry.line, messageId: entry.event.messageId, code, message: message.replace(/^event( \d+)?/, `line ${entry.line}`) };
}

/** `npm pack` of pkg/ installed into a fresh project: the CLI as users get it. */
export function installPackage() {
  const project = mkdtempSync(join(tmpdir(), "segment-bloomreach-backfill-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: join(ROOT, "pkg"), encoding: "utf8" }));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "backfill-user", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(project, packed[0].filename)], { cwd: project, stdio: "ignore" });
  return {
    project,
    bin: join(project, "node_modules/.bin/segment-bloomreach"),
    files: packed[0].files.map((f) => f.path),
    remove: () => rmSync(project, { recursive: true, force: true }),
  };
}

/**
 * Starts the CLI (`bin` is executable) with `args`; `env` adds to a clean environment.
 * Returns `{ child, done }`, `done` resolving to `{ code, signal, stdout, stderr, json }`.
 */
export function startCli(bin, args, { env = {}, cwd, stdin } = {}) {
  const child = spawn(bin, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BACKFILL_BACKOFF_MS: "100", BACKFILL_PROGRESS_MS: "500", ...env },
    stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  if (stdin) {
    child.stdin.on("error", () => {}); // the CLI may stop reading early
    child.stdin.end(stdin);
  }
  const done = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
  return { child, done };
}

/** Runs the CLI to its end. */
export function runCli(bin, args, options) {
  return startCli(bin, args, options).done;
}

/** Polls `predicate` every 20 ms until it holds; fails after `timeoutMs`. */
export async function until(predicate, { timeoutMs = 60_000, what = "a condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
