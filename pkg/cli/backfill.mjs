// `segment-bloomreach backfill`: sends a Segment data export (JSON Lines files) to Bloomreach.
//
// Lines are read in order, each non-blank one parsed as an event, and events are mapped in chunks
// with the package's buildRequestsFromJson. Each request's commands are tied back to their
// events (`request.events`), and each event to its file and line. An event is done once every
// command of it was delivered or rejected for good; the checkpoint records done lines per file.
// Reading waits while too many requests are outstanding, so memory stays bounded.

import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { buildRequestsFromJson, readResponse, validateSettings } from "segment-bloomreach";
import { Checkpoint, lockCheckpoint } from "./checkpoint.mjs";
import { TooLongLine, openInput } from "./input.mjs";
import { USAGE, parseBackfillArgs } from "./options.mjs";
import { startProgress, summaryText } from "./progress.mjs";
import { commandsBody, createSender, job } from "./sender.mjs";

/** Events mapped together; well under the package's 2,500 per call. */
const CHUNK_EVENTS = 500;
const CHUNK_CHARS = 1 << 20;
/** Requests queued, waiting for a retry or in flight, per allowed in flight, before reading waits. */
const OUTSTANDING_PER_LANE = 4;
const CHECKPOINT_EVERY_MS = 2000;
const PENDING_LISTED = 100;
const DRY_RUN_KEY = "dry-run-key";

export const EXIT = Object.freeze({ OK: 0, INCOMPLETE: 1, USAGE: 2, INTERRUPTED: 130, TERMINATED: 143 });

/**
 * Runs the backfill command with `argv` (after `backfill`); resolves to the exit status.
 * `io`: { stdout, stderr, stdin, env, signals } (signals: the process to listen on for SIGINT).
 */
export async function backfill(argv, io) {
  const { stdout, stderr, env } = io;
  const parsed = parseBackfillArgs(argv);
  if (parsed.help) {
    stdout.write(USAGE);
    return EXIT.OK;
  }
  const { options } = parsed;
  const problems = [...parsed.problems];
  const setup = prepare(options, env, problems);
  if (problems.length > 0) return usageError(stderr, problems);

  const { settings, checkpoint } = setup;
  let lock = null;
  if (options.checkpoint !== undefined && !options.dryRun) {
    lock = lockCheckpoint(options.checkpoint);
    if (lock.problem) return usageError(stderr, [lock.problem]);
  }
  let rejects;
  try {
    // Appended to when resuming, so it ends up listing the rejections of every run once.
    rejects = rejectsWriter(options.rejects, checkpoint.existed && !options.dryRun);
  } catch (error) {
    lock?.release();
    return usageError(stderr, [`--rejects ${options.rejects}: cannot be written (${error.code ?? error.message})`]);
  }
  try {
    if (!options.dryRun) {
      const reachable = await preflight(settings, options.timeout * 1000);
      if (reachable.problem) {
        stderr.write(`segment-bloomreach backfill: ${reachable.problem}\n`);
        return reachable.status;
      }
    }
    return await run({ options, settings, checkpoint, lock, rejects, io });
  } finally {
    rejects.close();
    lock?.release();
  }
}

function usageError(stderr, problems) {
  stderr.write(`segment-bloomreach backfill: cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
    "Run `segment-bloomreach backfill --help` for the options.\n");
  return EXIT.USAGE;
}

/** Settings (with secrets from the environment), the checkpoint, the files: every problem found. */
function prepare(options, env, problems) {
  const out = { settings: null, project: null, checkpoint: null };
  if (options.settings !== undefined) {
    const loaded = loadSettings(options, env);
    if (loaded.problems) problems.push(...loaded.problems);
    else Object.assign(out, loaded);
  }
  for (const file of options.files) {
    if (file === "-") continue;
    try {
      const stats = statSync(file);
      if (!stats.isFile()) problems.push(`${file}: not a file`);
    } catch (error) {
      problems.push(`${file}: ${error.code === "ENOENT" ? "no such file" : `cannot be read (${error.code ?? error.message})`}`);
    }
  }
  if (out.project) {
    const loaded = Checkpoint.load(options.checkpoint, out.project);
    if (loaded.problem) problems.push(loaded.problem);
    else out.checkpoint = loaded.checkpoint;
  }
  return out;
}

function loadSettings(options, env) {
  const path = options.settings;
  let text;
  let settings;
  try {
    text = readFileSync(path, "utf8");
    settings = JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? `is not valid JSON${jsonErrorPlace(text, error)}`
      : error.code === "ENOENT" ? "no such file" : `cannot be read (${error.code ?? error.message})`;
    return { problems: [`--settings ${path}: ${why}`] };
  }
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
    return { problems: [`--settings ${path}: must hold a JSON object of settings`] };
  }
  if (env.BLOOMREACH_API_KEY) settings.apiKey = env.BLOOMREACH_API_KEY;
  if (env.BLOOMREACH_API_SECRET) settings.apiSecret = env.BLOOMREACH_API_SECRET;
  // A dry run sends nothing, so it needs no key; a stand-in keeps the settings valid.
  if (options.dryRun && (settings.apiKey === undefined || settings.apiKey === null || settings.apiKey === "")) settings.apiKey = DRY_RUN_KEY;
  let normalized;
  try {
    normalized = validateSettings(settings);
  } catch (error) {
    if (error.code !== "invalid_settings") throw error;
    const problems = (error.problems ?? [{ field: null, message: error.message }]).map(({ field, message }) => {
      const hint = field === "apiKey" ? " (in the file, or BLOOMREACH_API_KEY in the environment)" : "";
      return `--settings ${path}: ${field ? `${field}: ` : ""}${message}${hint}`;
    });
    return { problems };
  }
  return { settings, project: { apiBaseUrl: normalized.apiBaseUrl, projectToken: normalized.projectToken } };
}

/**
 * Where JSON.parse stopped, as " (line L, column C)". Never its message: V8 quotes the text around
 * the error, and a settings file holds secrets.
 */
function jsonErrorPlace(text, error) {
  const match = /at position (\d+)/.exec(error.message);
  if (!match) return "";
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf("\n")})`;
}

/** How requests for these settings are sent: the URL and headers of one built from a stand-in event. */
function requestTarget(settings) {
  const { requests } = buildRequestsFromJson('{"type":"identify","userId":"backfill-preflight"}', settings);
  return requests[0];
}

/**
 * Asks Bloomreach for its time with the settings' credentials before sending anything, so a
 * wrong URL or refused credentials stop the run at once (status 2) instead of every request.
 */
async function preflight(settings, timeoutMs) {
  const target = requestTarget(settings);
  const url = target.url.replace(/\/batch$/, "/system/time");
  let why = "";
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { headers: { Authorization: target.headers.Authorization }, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.status === 401 || response.status === 403) {
        const [outcome] = readResponse(target, response.status, text);
        return { status: EXIT.USAGE, problem: `Bloomreach refused the settings' credentials: ${outcome.message}` };
      }
      return {};
    } catch (error) {
      why = describeFetchError(error);
      if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
  return { status: EXIT.INCOMPLETE, problem: `cannot reach Bloomreach at ${originOf(url)}: ${why}` };
}

/** The scheme, host and port of `url`, which validateSettings has checked; never a throw. */
function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return "the settings' apiBaseUrl";
  }
}

function describeFetchError(error) {
  const cause = error?.cause;
  if (error?.name === "TimeoutError") return "no answer in time";
  return cause?.code ? `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ""}` : String(cause?.message ?? error?.message ?? error);
}

/** Appends rejected events to the rejects file, written out before each checkpoint. */
function rejectsWriter(path, append) {
  if (path === undefined) return { add() {}, flush() {}, close() {} };
  const fd = openSync(path, append ? "a" : "w", 0o600);
  let buffered = [];
  return {
    add(record) {
      buffered.push(JSON.stringify(record) + "\n");
      if (buffered.length >= 1000) this.flush();
    },
    flush() {
      if (buffered.length === 0) return;
      writeSync(fd, buffered.join(""));
      buffered = [];
    },
    close() {
      this.flush();
      closeSync(fd);
    },
  };
}

/** Counts of what happened, shared with the progress line and the summary. */
function newStats(options) {
  return {
    startedAt: Date.now(),
    files: options.files.length,
    lines: 0,
    blankLines: 0,
    alreadyDone: 0,
    events: 0,
    requests: 0,
    retries: 0,
    delivered: 0,
    rejected: {},
    skipped: {},
    pending: 0,
    pendingEvents: [],
    unreadable: [],
    bytesRead: 0,
    totalBytes: null,
    wouldSend: { events: 0, commands: 0, requests: 0, bySegmentType: {}, byBloomreachType: {} },
  };
}

const bump = (counts, key, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

async function run({ options, settings, checkpoint, lock, rejects, io }) {
  const { stdout, stderr } = io;
  const stats = newStats(options);
  const live = new Set(); // events read and not yet done or pending
  let stopStatus = null; // why the run stopped early: interrupted, terminated, stopped, fatal
  let stopReason = "";
  let currentInput = null;
  let opening = null; // while an input is identified (hashed, or standard input copied): stops that
  let saveProblem = null;

  const sizes = options.files.map((file) => (file === "-" ? null : statSync(file).size));
  stats.totalBytes = sizes.includes(null) ? null : sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0; // bytes of the files already read

  const progress = startProgress({
    stream: stderr,
    tty: Boolean(stderr.isTTY),
    intervalMs: Number(io.env.BACKFILL_PROGRESS_MS) || 5000,
    snapshot: () => ({ ...stats, dryRun: options.dryRun, bytesRead: bytesBefore + (currentInput?.bytesRead() ?? 0) }),
  });
  const say = (message) => progress.note(message);
  if (!options.dryRun && options.checkpoint === undefined) say("note: no --checkpoint given: an interrupted run cannot resume, and a rerun sends everything again");

  function save() {
    if (options.dryRun) return;
    try {
      rejects.flush();
      checkpoint.save();
    } catch (error) {
      const message = `cannot write the checkpoint or rejects file: ${error.code ?? error.message}`;
      if (saveProblem !== message) say(`warning: ${message}`);
      saveProblem = message;
    }
  }

  // ---- what becomes of each event

  function markDone(entry) {
    entry.file.done.add(entry.line);
    entry.file.partial.delete(entry.line);
    live.delete(entry);
  }

  function reject(entry, code, message) {
    bump(stats.rejected, code);
    const record = { file: entry.name, line: entry.line };
    if (entry.messageId !== undefined) record.messageId = entry.messageId;
    rejects.add({ ...record, code, message });
  }

  /** An event's last command came back: done (delivered or rejected), or pending for a rerun. */
  function settle(entry) {
    if (entry.pendingMessage !== undefined) {
      stats.pending += 1;
      live.delete(entry);
      if (stats.pendingEvents.length < PENDING_LISTED) {
        stats.pendingEvents.push({ file: entry.name, line: entry.line, ...(entry.messageId !== undefined ? { messageId: entry.messageId } : {}), message: entry.pendingMessage });
      }
      if (stats.pending >= options.maxPending && stopStatus === null) {
        stop("stopped", `stopped reading: ${stats.pending} events are still failing after ${options.maxAttempts} attempts (--max-pending); Bloomreach may be down`);
      }
      return;
    }
    if (entry.rejections) {
      const texts = entry.rejections.sort((a, b) => a.ordinal - b.ordinal).map((rejection) => rejection.text);
      reject(entry, "bloomreach_rejected", texts.join("; "));
    } else {
      stats.delivered += 1;
    }
    markDone(entry);
  }

  const sender = options.dryRun ? null : createSender(
    {
      concurrency: options.concurrency,
      ratePerMinute: options.rate,
      timeoutMs: options.timeout * 1000,
      maxAttempts: options.maxAttempts,
      backoffMs: Number(io.env.BACKFILL_BACKOFF_MS) || 1000,
    },
    {
      readResponse,
      onRequest(attempt) {
        stats.requests += 1;
        if (attempt > 1) stats.retries += 1;
      },
      onOutcome({ entry, ordinal }, outcome, message, commandId) {
        entry.remaining -= 1;
        if (outcome === "delivered") {
          // An event of several commands may end pending: its delivered ones are not sent again.
          if (entry.total > 1) {
            if (!entry.file.partial.has(entry.line)) entry.file.partial.set(entry.line, new Set());
            entry.file.partial.get(entry.line).add(ordinal);
          }
        } else {
          (entry.rejections ??= []).push({ ordinal, text: `command ${commandId}: ${message}` });
        }
        if (entry.remaining === 0) settle(entry);
      },
      onPending({ entry }, message) {
        entry.remaining -= 1;
        entry.pendingMessage = message;
        if (entry.remaining === 0) settle(entry);
      },
      onFatal(message) {
        stop("fatal", message);
      },
    },
  );

  function stop(status, reason) {
    if (stopStatus !== null) return;
    stopStatus = status;
    stopReason = reason;
    sender?.stop();
    opening?.abort();
    currentInput?.close(true);
    if (status !== "interrupted" && status !== "terminated") say(`stopping: ${reason}`);
    else if (options.dryRun) say("stopping: reading stopped");
    else say(`stopping: reading stopped, ${sender.inFlight} requests in flight finish, then the checkpoint is written (Ctrl-C again to abort at once)`);
  }

  // ---- signals: the first stops gracefully, a second aborts at once

  let signals = 0;
  function onSignal(signal) {
    signals += 1;
    if (signals === 1) {
      stop(signal === "SIGTERM" ? "terminated" : "interrupted", signal === "SIGTERM" ? "terminated (SIGTERM)" : "interrupted (Ctrl-C)");
      return;
    }
    sender?.abort();
    save();
    lock?.release();
    progress.stop();
    stderr.write("aborted: requests in flight were abandoned; their events are not recorded as done and a rerun sends them again\n");
    io.exit(signal === "SIGTERM" ? EXIT.TERMINATED : EXIT.INTERRUPTED);
  }
  const signalSource = io.signals;
  signalSource?.on("SIGINT", onSignal);
  signalSource?.on("SIGTERM", onSignal);
  const saver = setInterval(save, CHECKPOINT_EVERY_MS);
  saver.unref();

  // ---- mapping a chunk of events, and sending (or counting) its requests

  let chunk = { entries: [], texts: [], chars: 0 };

  /** Maps the chunk; lines the core cannot read as JSON (which JSON.parse let through) are rejected alone. */
  function build(entries, texts) {
    let kept = entries.map((_, i) => i);
    for (;;) {
      if (kept.length === 0) return { kept, requests: [], rejected: [], skipped: [] };
      try {
        // One event per line, so an error's line number names the event.
        const body = "[\n" + kept.map((i) => texts[i]).join(",\n") + "\n]";
        return { kept, ...buildRequestsFromJson(body, settings) };
      } catch (error) {
        const at = error.code === "invalid_json" ? error.line - 2 : -1;
        if (at < 0 || at >= kept.length) throw error;
        const entry = entries[kept[at]];
        reject(entry, "invalid_json", notJson(entry.line, error));
        markDone(entry);
        kept = kept.filter((_, k) => k !== at);
      }
    }
  }

  async function flush() {
    if (chunk.entries.length === 0) return;
    const { entries, texts } = chunk;
    chunk = { entries: [], texts: [], chars: 0 };
    const built = build(entries, texts);
    const entryAt = (index) => entries[built.kept[index]];
    for (const issue of built.rejected) {
      const entry = entryAt(issue.index);
      reject(entry, issue.code, relabel(issue.message, issue.index, entry.line));
      markDone(entry);
    }
    for (const issue of built.skipped) {
      const entry = entryAt(issue.index);
      bump(stats.skipped, issue.code);
      markDone(entry);
    }
    const jobs = [];
    for (const request of built.requests) {
      const keep = [];
      const refs = [];
      request.events.forEach((index, position) => {
        const entry = entryAt(index);
        const ordinal = entry.total;
        entry.total += 1;
        if (entry.file.partial.get(entry.line)?.has(ordinal)) return; // delivered by an earlier run
        keep.push(position);
        refs.push({ entry, ordinal });
      });
      if (refs.length === 0) continue;
      for (const { entry } of refs) entry.remaining += 1;
      const body = keep.length === request.events.length ? request.body : commandsBody(request.body, keep);
      jobs.push(job({ method: request.method, url: request.url, headers: request.headers, body }, refs));
    }
    for (const entry of entries) {
      if (entry.remaining > 0 || !live.has(entry)) continue;
      // Every command was delivered by an earlier run, or (with future rules) the event mapped to none.
      if (entry.total === 0) bump(stats.skipped, "no_commands");
      else stats.delivered += 1;
      markDone(entry);
    }
    if (options.dryRun) return countDryRun(jobs);
    for (const next of jobs) sender.enqueue(next);
    await sender.below(options.concurrency * OUTSTANDING_PER_LANE);
  }

  function countDryRun(jobs) {
    const would = stats.wouldSend;
    for (const { request, refs } of jobs) {
      would.requests += 1;
      would.commands += refs.length;
      for (const command of JSON.parse(request.body).commands) {
        bump(would.byBloomreachType, command.name === "customers/events" ? command.data.event_type : "customers");
      }
      for (const { entry } of refs) {
        const type = typeof entry.type === "string" ? entry.type : "(none)";
        would.bySegmentType[type] ??= { events: 0, commands: 0 };
        would.bySegmentType[type].commands += 1;
        if (!entry.counted) {
          entry.counted = true;
          would.events += 1;
          would.bySegmentType[type].events += 1;
        }
        live.delete(entry);
      }
    }
  }

  // ---- reading

  const runStarted = Date.now();
  const seen = new Map(); // inputs read in this run, by size and SHA-256
  // Standard input is identified only once read to its end: with a checkpoint, it is first copied
  // beside it, so a rerun of the same input is recognised and a different one is never skipped.
  const spoolTo = options.checkpoint === undefined ? undefined : `${options.checkpoint}.stdin-${process.pid}.tmp`;
  try {
    for (let f = 0; f < options.files.length && stopStatus === null; f++) {
      const name = options.files[f];
      let input;
      opening = new AbortController();
      try {
        input = await openInput(name, { stdin: io.stdin, spoolTo, signal: opening.signal });
      } catch (error) {
        if (stopStatus === null) stats.unreadable.push({ file: name, line: 0, message: error.code ?? error.message });
        continue;
      } finally {
        opening = null;
      }
      currentInput = input;
      const identity = input.sha256 === null ? null : `${input.bytes}:${input.sha256}`;
      if (identity !== null && seen.has(identity)) {
        say(`note: ${name} holds the same export as ${seen.get(identity)}; it is not read again`);
        input.close();
        currentInput = null;
        bytesBefore += input.bytes ?? 0;
        continue;
      }
      if (identity !== null) seen.set(identity, name);
      const { entry: file, note } = checkpoint.entryFor({ name, bytes: input.bytes, sha256: input.sha256, head: input.head });
      if (note) say(`note: ${note}`);
      if (file.lines !== null && file.done.coversThrough(file.lines) && file.partial.size === 0) {
        // Done in an earlier run: not even decompressed again.
        stats.lines += file.lines;
        stats.alreadyDone += file.lines;
        input.close();
        currentInput = null;
        bytesBefore += input.bytes ?? 0;
        continue;
      }
      let line = 0;
      try {
        for await (const batch of input.batches()) {
          for (const text of batch) {
            if (stopStatus !== null) break;
            line += 1;
            stats.lines += 1;
            if (file.done.has(line)) {
              stats.alreadyDone += 1;
              continue;
            }
            if (typeof text === "string" && isBlank(text)) {
              stats.blankLines += 1;
              file.done.add(line);
              continue;
            }
            stats.events += 1;
            const entry = { file, name, line, messageId: undefined, type: undefined, total: 0, remaining: 0 };
            live.add(entry);
            if (text instanceof TooLongLine) {
              reject(entry, "invalid_event", `line ${line}: the line is ${text.bytes} bytes long; a Segment event is at most 32 KB of JSON`);
              markDone(entry);
              continue;
            }
            let event;
            try {
              event = JSON.parse(text);
            } catch {
              reject(entry, "invalid_json", notJson(line, coreJsonError(text, settings)));
              markDone(entry);
              continue;
            }
            if (event !== null && typeof event === "object") {
              const id = event.messageId;
              if ((typeof id === "string" && id !== "") || typeof id === "number") entry.messageId = String(id);
              entry.type = event.type;
            }
            chunk.entries.push(entry);
            chunk.texts.push(text);
            chunk.chars += text.length;
            if (chunk.entries.length >= CHUNK_EVENTS || chunk.chars >= CHUNK_CHARS) await flush();
          }
          if (stopStatus !== null) break;
        }
        if (stopStatus === null) file.lines = line;
      } catch (error) {
        if (stopStatus === null) {
          stats.unreadable.push({ file: name, line, message: describeReadError(error) });
          say(`warning: could not read ${name} after line ${line}: ${describeReadError(error)}`);
        }
      } finally {
        input.close();
        bytesBefore += input.bytesRead();
        currentInput = null;
      }
      // Chunks end with their file: a file's last lines are sent before the next file is opened.
      if (stopStatus === null) await flush();
    }
    if (stopStatus === null) await flush();
    if (sender) await sender.idle();
  } finally {
    clearInterval(saver);
    signalSource?.off("SIGINT", onSignal);
    signalSource?.off("SIGTERM", onSignal);
    save();
    rejects.flush();
    progress.stop();
  }

  // ---- the summary

  const notSent = options.dryRun ? 0 : [...live].length;
  let status = "complete";
  if (stopStatus === "interrupted" || stopStatus === "terminated") status = "interrupted";
  else if (stopStatus !== null) status = "stopped";
  else if (stats.pending > 0 || stats.unreadable.length > 0) status = "pending";
  const summary = {
    status,
    ...(stopReason ? { stopReason } : {}),
    dryRun: options.dryRun,
    seconds: Math.round((Date.now() - runStarted) / 100) / 10,
    files: stats.files,
    bytesRead: bytesBefore,
    lines: stats.lines,
    blankLines: stats.blankLines,
    alreadyDone: stats.alreadyDone,
    events: stats.events,
    requests: stats.requests,
    retries: stats.retries,
    delivered: stats.delivered,
    rejected: stats.rejected,
    skipped: stats.skipped,
    pending: { count: stats.pending, events: stats.pendingEvents },
    notSent,
    unreadable: stats.unreadable,
    ...(options.dryRun ? { wouldSend: stats.wouldSend } : {}),
    checkpointFile: options.checkpoint ?? null,
    rejectsFile: options.rejects ?? null,
    ...(saveProblem ? { checkpointProblem: saveProblem } : {}),
  };
  await write(stdout, options.json ? JSON.stringify(summary, null, 2) + "\n" : summaryText(summary));
  if (saveProblem) stderr.write(`warning: ${saveProblem}\n`);
  if (stopStatus === "interrupted") return EXIT.INTERRUPTED;
  if (stopStatus === "terminated") return EXIT.TERMINATED;
  if (stopStatus === "fatal") return EXIT.USAGE;
  if (status !== "complete" || saveProblem) return EXIT.INCOMPLETE;
  return EXIT.OK;
}

function write(stream, text) {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

function isBlank(text) {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c) && text.trim() === "";
}

/** The core's own JSON error for a line: the same wording, Node version or not. */
function coreJsonError(text, settings) {
  try {
    buildRequestsFromJson(text, settings);
  } catch (error) {
    return error;
  }
  return { message: "not valid JSON" };
}

/** "line 17, column 3: not valid JSON (key must be a string)" from the core's invalid_json error. */
function notJson(line, error) {
  const reason = String(error.message ?? "")
    .replace(/^the body is not valid JSON: /, "")
    .replace(/ \(line \d+, column \d+\)$/, "");
  return `line ${line}${error.column ? `, column ${error.column}` : ""}: not valid JSON (${reason})`;
}

/** The core names an event by its position in the chunk ("event 12 …"); the line means more here. */
function relabel(message, index, line) {
  const prefix = `event ${index}`;
  return message.startsWith(prefix) ? `line ${line}${message.slice(prefix.length)}` : `line ${line}: ${message}`;
}

function describeReadError(error) {
  if (error?.code === "Z_DATA_ERROR" || error?.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(error?.message ?? "")) {
    return `the gzip data is damaged or cut short (${error.message})`;
  }
  return error?.code ?? error?.message ?? String(error);
}
