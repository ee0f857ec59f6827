// The backfill command line: options, defaults, and every usage problem at once.

import { parseArgs } from "node:util";

export const DEFAULTS = Object.freeze({
  concurrency: 6,
  rate: 3000,
  timeout: 30,
  maxAttempts: 10,
  maxPending: 1000,
});

export const USAGE = `Usage: segment-bloomreach backfill [options] FILE...

Sends a Segment data export to Bloomreach Engagement: each FILE is JSON Lines, one Segment
event per line, gzipped when its name ends in .gz ("-" reads standard input, gzipped or not).
Events are mapped exactly as the Segment destination maps them and sent in batches of at most
50 commands, with rate limiting and retries. Progress goes to standard error.

Options:
  --settings FILE      destination settings JSON (required): apiKey, apiSecret, projectToken,
                       exponeaHardId, exponeaSoftId, apiBaseUrl, ...; the environment variables
                       BLOOMREACH_API_KEY and BLOOMREACH_API_SECRET override its secrets
  --checkpoint FILE    record progress in FILE; a rerun with the same FILE skips every event
                       already delivered or rejected, and sends the rest. Inputs are known by
                       their size and whole content; standard input is first read to its end
                       into a file beside FILE, removed afterwards
  --rejects FILE       write every rejected event to FILE, one JSON line each: file, line,
                       messageId, code, message (appended to when resuming from a checkpoint)
  --concurrency N      requests in flight at once (default ${DEFAULTS.concurrency})
  --rate N             requests started per minute at most (default ${DEFAULTS.rate}; Bloomreach
                       allows at least 6,000 per minute per IP); 429 answers slow it down further
  --timeout SECONDS    wait this long for each answer before retrying (default ${DEFAULTS.timeout})
  --max-attempts N     tries per request before its events are left pending (default ${DEFAULTS.maxAttempts})
  --max-pending N      stop reading once N events are pending after retries: Bloomreach is
                       probably down (default ${DEFAULTS.maxPending})
  --dry-run            map and count without sending (no secrets needed): what would be sent,
                       per event type
  --json               print the final summary as JSON on standard output
  -h, --help           show this help

Exit status: 0 every event delivered, or rejected or skipped for good; 1 some events still
pending after retries (listed; a rerun with the checkpoint retries them) or a file could not be
read; 2 bad usage, invalid settings, or credentials Bloomreach refuses; 130 interrupted (Ctrl-C:
the first lets requests in flight finish and writes the checkpoint, a second aborts at once).

Examples:
  export BLOOMREACH_API_KEY=... BLOOMREACH_API_SECRET=...
  segment-bloomreach backfill --settings settings.json --dry-run exports/*.json.gz
  segment-bloomreach backfill --settings settings.json --checkpoint backfill.checkpoint \\
      --rejects rejects.jsonl exports/*.json.gz
  zcat exports/*.gz | segment-bloomreach backfill --settings settings.json --checkpoint stdin.checkpoint -
`;

const SPEC = {
  settings: { type: "string" },
  checkpoint: { type: "string" },
  rejects: { type: "string" },
  concurrency: { type: "string" },
  rate: { type: "string" },
  timeout: { type: "string" },
  "max-attempts": { type: "string" },
  "max-pending": { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/**
 * Reads the backfill's arguments. Returns `{ help }`, or `{ options, problems }` where
 * `problems` lists every usage mistake found (unknown options, missing values, bad numbers).
 */
/**
 * One option token of parseArgs' `tokens` into `values`, by `spec` (a boolean flag, or a string
 * given once), each mistake named in `problems`. False when `spec` has no such option: the
 * caller says why (every command line of the package reads its options this way).
 */
export function takeOption(token, spec, values, problems) {
  const option = Object.hasOwn(spec, token.name) ? spec[token.name] : null;
  if (!option) return false;
  if (option.type === "boolean") {
    if (token.inlineValue) problems.push(`${token.rawName} takes no value`);
    values[token.name] = true;
  } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--"))) {
    problems.push(`${token.rawName} needs a value`);
  } else {
    if (values[token.name] !== undefined) problems.push(`${token.rawName} is given more than once`);
    values[token.name] = token.value;
  }
  return true;
}

export function parseBackfillArgs(argv) {
  const problems = [];
  const { tokens } = parseArgs({ args: argv, options: SPEC, strict: false, allowPositionals: true, tokens: true });
  const values = {};
  const files = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      files.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue; // "--": what follows is positional
    if (!takeOption(token, SPEC, values, problems)) problems.push(`unknown option ${token.rawName}`);
  }
  if (values.help) return { help: true };

  const number = (name, { min, max, integer = true }) => {
    const text = values[name];
    if (text === undefined) return DEFAULTS[camel(name)];
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      problems.push(`--${name} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, got "${text}"`);
      return DEFAULTS[camel(name)];
    }
    return value;
  };
  const options = {
    settings: values.settings,
    checkpoint: values.checkpoint,
    rejects: values.rejects,
    concurrency: number("concurrency", { min: 1, max: 64 }),
    rate: number("rate", { min: 1, max: 1_000_000 }),
    timeout: number("timeout", { min: 0.1, max: 600, integer: false }),
    maxAttempts: number("max-attempts", { min: 1, max: 100 }),
    maxPending: number("max-pending", { min: 1, max: 10_000_000 }),
    dryRun: Boolean(values["dry-run"]),
    json: Boolean(values.json),
    files,
  };
  if (options.settings === undefined) problems.push("--settings FILE is required (the destination settings JSON)");
  if (files.length === 0) problems.push("no FILE given: name one or more JSON Lines files, or - for standard input");
  if (files.filter((file) => file === "-").length > 1) problems.push("- (standard input) can be given only once");
  const seen = new Set();
  for (const file of files) {
    if (seen.has(file) && file !== "-") problems.push(`${file} is given more than once`);
    seen.add(file);
  }
  const outputs = [["--checkpoint", options.checkpoint], ["--rejects", options.rejects]].filter(([, path]) => path !== undefined);
  for (const [flag, path] of outputs) {
    if (files.includes(path)) problems.push(`${flag} ${path} is also an input FILE`);
    if (path === options.settings) problems.push(`${flag} ${path} is also the --settings file`);
  }
  if (outputs.length === 2 && outputs[0][1] === outputs[1][1]) problems.push("--checkpoint and --rejects must be different files");
  return { options, problems };
}

function camel(name) {
  return name.replace(/-(\w)/g, (_, c) => c.toUpperCase());
}
