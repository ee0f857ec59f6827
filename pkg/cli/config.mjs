// `segment-bloomreach config …`: a Worker's configuration kept in a TOML file (in git), validated offline, diffed, pushed, pulled, listed and rolled back through the Worker's admin API.

import { parseArgs } from "node:util";
import { changesText, configChanges } from "./config-diff.mjs";
import { takeOption } from "./options.mjs";
import { configText, readConfigFile, withBaseVersion, writeConfigFile, BASE_VERSION_KEY } from "./config-file.mjs";

/** Exit statuses of every `config` command. */
export const CONFIG_EXIT = Object.freeze({
  OK: 0,
  /** The configuration has problems, or the Worker refused the change (conflict, no such version). */
  REFUSED: 1,
  /** Bad usage, or a setting the command needs is missing or wrong: the file, the URL, the admin token. */
  USAGE: 2,
  /** The Worker could not be reached, or failed (5xx, an answer that is not its admin API's). */
  UNAVAILABLE: 3,
});

const DEFAULT_FILE = "segment-bloomreach.toml";
const DEFAULT_TOKEN_ENV = "ADMIN_TOKEN";
const URL_ENV = "SEGMENT_BLOOMREACH_URL";
const TIMEOUT_MS = 30_000;

const COMMON = `Options for every command that talks to the Worker:
  --url URL            the Worker's URL (default: $${URL_ENV})
  --token-env NAME     the environment variable holding the admin token (default ${DEFAULT_TOKEN_ENV});
                       the token is never taken as an option's value, and never printed
  --file FILE          the configuration file (default ${DEFAULT_FILE})
  -h, --help           show this help`;

const EXIT_TEXT = `Exit status: 0 done; 1 the configuration has problems, or the Worker refused the change (the
live version moved since the last pull, no such version); 2 bad usage, or a file, URL or admin
token that is missing or refused; 3 the Worker could not be reached or failed.`;

export const CONFIG_USAGE = `Usage: segment-bloomreach config <command> [options]

Keeps a Worker's configuration (its destinations and sources) in a TOML file, ${DEFAULT_FILE}
by default, for people who keep it in git:

  validate             check the file offline: every problem at its path
  diff                 what pushing the file would change, source by source
  push [--force]       publish the file as the new live version (refused if the live version
                       moved since the file was pulled, unless --force)
  pull                 write the live configuration into the file, keeping its comments
  history              list the stored versions, newest first
  rollback VERSION     make a copy of an older version the live one
  import-env           store the Worker's variables as the first version

The file's top-level \`${BASE_VERSION_KEY}\` is the live version it was pulled from (or pushed as): pull
and push write it, push sends it, and the Worker refuses the push when that is not live any more.
It is not part of the configuration. Secrets are named, never written: a destination's
\`apiKeySecret\` is the name of a Worker secret. A write key may be written as \`key\` (the Worker
stores only its SHA-256 and last 4 characters; pull writes those back).

${COMMON}

${EXIT_TEXT}

Run \`segment-bloomreach config <command> --help\` for a command's options. Example:
  export SEGMENT_BLOOMREACH_URL=https://segment-bloomreach.example.workers.dev ADMIN_TOKEN=...
  segment-bloomreach config pull && $EDITOR ${DEFAULT_FILE} && segment-bloomreach config diff
  segment-bloomreach config push --summary "rename the signup event"
`;

/** Each command: its options beyond the common ones, and its help. */
const COMMANDS = {
  validate: {
    offline: true,
    options: {},
    help: `Usage: segment-bloomreach config validate [--file FILE]

Checks the file offline, with the same code as the Worker: prints every problem at its path
(sources[0].settings.mappings[0].subscribe) and exits 1, or says the file is valid. Whether the
Worker secrets it names exist is checked by diff and push (the Worker knows its secrets).

Options:
  --file FILE          the configuration file (default ${DEFAULT_FILE})
  -h, --help           show this help

${EXIT_TEXT}
`,
  },
  diff: {
    options: {},
    help: `Usage: segment-bloomreach config diff [options]

Prints what pushing the file would change in the live configuration, source by source and
destination by destination (+ added, - removed, ~ changed). The file is validated by the Worker
first (its secrets too), and write keys given as \`key\` are compared by their digest.

${COMMON}

${EXIT_TEXT}
`,
  },
  push: {
    options: { force: { type: "boolean" }, summary: { type: "string" } },
    help: `Usage: segment-bloomreach config push [--force] [--summary TEXT] [options]

Publishes the file as a new version and makes it live, at once for the Worker's next requests
(other isolates within CONFIG_CACHE_SECONDS). Refused, with nothing stored, when the file has
problems or when the live version is no longer the file's \`${BASE_VERSION_KEY}\` (someone published since
the last pull: pull, merge, push again). Writes the new version into the file's \`${BASE_VERSION_KEY}\`.

Options:
  --force              publish even if the live version moved since the last pull (or the file
                       has no \`${BASE_VERSION_KEY}\`)
  --summary TEXT       one line saying what changed, kept with the version (default: "pushed from
                       FILE")
${COMMON}

${EXIT_TEXT}
`,
  },
  pull: {
    options: {},
    help: `Usage: segment-bloomreach config pull [options]

Writes the live configuration into the file (the Worker's variables as a configuration when
nothing is stored yet, with \`${BASE_VERSION_KEY} = 0\`). Its values replace the file's; its comments are
kept where their place still exists: the block at the top, comment lines above a table or a key,
and a comment at the end of a table's or a key's line, each found again by the source,
destination, write key or rule it belongs to (by name). Write keys come back as their digests.

${COMMON}

${EXIT_TEXT}
`,
  },
  history: {
    options: {},
    help: `Usage: segment-bloomreach config history [options]

Lists the stored versions, newest first: number, when (UTC), by which admin credential, summary;
the live one is marked.

${COMMON}

${EXIT_TEXT}
`,
  },
  rollback: {
    positional: "VERSION",
    options: { summary: { type: "string" } },
    help: `Usage: segment-bloomreach config rollback VERSION [--summary TEXT] [options]

Publishes a copy of version VERSION as a new version and makes it live (history is kept). Pull
afterwards to bring the file up to date.

Options:
  --summary TEXT       kept with the new version (default: "rollback to version VERSION")
${COMMON}

${EXIT_TEXT}
`,
  },
  "import-env": {
    options: { summary: { type: "string" } },
    help: `Usage: segment-bloomreach config import-env [--summary TEXT] [options]

Stores the Worker's variables (its one source, \`default\`, and destination) as the first version.
Refused when a configuration is stored already.

Options:
  --summary TEXT       kept with the version (default: "imported from the Worker's variables")
${COMMON}

${EXIT_TEXT}
`,
  },
};

const COMMON_SPEC = {
  url: { type: "string" },
  "token-env": { type: "string" },
  file: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** A user's mistake: printed as it is (no stack), with its exit status. */
class Stop extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Runs `segment-bloomreach config` with `argv` (after `config`); resolves to the exit status.
 * `io`: { stdout, stderr, env, cwd }.
 */
export async function config(argv, io) {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(CONFIG_USAGE);
    return name === undefined ? CONFIG_EXIT.USAGE : CONFIG_EXIT.OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : null;
  if (!command) {
    io.stderr.write(`segment-bloomreach config: unknown command "${name}"\n\n${CONFIG_USAGE}`);
    return CONFIG_EXIT.USAGE;
  }
  const prefix = `segment-bloomreach config ${name}`;
  try {
    const options = parseOptions(command, rest);
    if (options.help) {
      io.stdout.write(command.help);
      return CONFIG_EXIT.OK;
    }
    return await RUN[name](options, io, prefix);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    io.stderr.write(`${prefix}: ${error.message}\n`);
    if (error.status === CONFIG_EXIT.USAGE && error.usage) io.stderr.write(`Run \`${prefix} --help\` for its options.\n`);
    return error.status;
  }
}

function usage(problems) {
  const error = new Stop(CONFIG_EXIT.USAGE, problems.length === 1 ? problems[0] : `cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  error.usage = true;
  return error;
}

function parseOptions(command, argv) {
  const spec = command.offline ? { file: COMMON_SPEC.file, help: COMMON_SPEC.help, ...command.options } : { ...COMMON_SPEC, ...command.options };
  const problems = [];
  const values = {};
  const positionals = [];
  const { tokens } = parseArgs({ args: argv, options: spec, strict: false, allowPositionals: true, tokens: true });
  let skipValue = false;
  for (const token of tokens) {
    if (token.kind === "positional") {
      // The value after a --token: a token, never echoed, never taken as an argument.
      if (!skipValue) positionals.push(token.value);
      skipValue = false;
      continue;
    }
    skipValue = false;
    if (token.kind !== "option") continue;
    if (takeOption(token, spec, values, problems)) continue;
    if (token.name === "token") {
      problems.push("there is no --token: the admin token is read from an environment variable only (--token-env NAME, default ADMIN_TOKEN)");
      skipValue = token.inlineValue !== true;
    } else {
      problems.push(`unknown option ${token.rawName}`);
    }
  }
  if (values.help) return { help: true };
  const options = { ...values, file: values.file ?? DEFAULT_FILE, tokenEnv: values["token-env"] ?? DEFAULT_TOKEN_ENV };
  if (command.positional) {
    if (positionals.length !== 1) problems.push(`give one ${command.positional}${positionals.length > 1 ? `, not ${positionals.length}` : ""}`);
    else options.positional = positionals[0];
  } else if (positionals.length > 0) {
    problems.push(`unexpected argument "${positionals[0]}"`);
  }
  if (options.tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.tokenEnv)) {
    problems.push(`--token-env takes the name of an environment variable (letters, digits, _), not a token`);
  }
  if (problems.length > 0) throw usage(problems);
  return options;
}

/** The Worker's admin API, at `--url` or $SEGMENT_BLOOMREACH_URL, with the token from the environment. */
function adminClient(options, env) {
  const problems = [];
  const base = options.url ?? env[URL_ENV];
  let url = null;
  if (base === undefined || base === "") {
    problems.push(`no Worker URL: give --url URL or set ${URL_ENV}`);
  } else {
    try {
      url = new URL(base);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http");
    } catch {
      problems.push(`--url must be the Worker's http(s) URL, got "${base}"`);
    }
  }
  const token = env[options.tokenEnv];
  if (token === undefined || token === "") {
    problems.push(`no admin token: set the environment variable ${options.tokenEnv}${options.tokenEnv === DEFAULT_TOKEN_ENV ? " (or name another with --token-env)" : ""}`);
  }
  if (problems.length > 0) throw usage(problems);
  const root = url.href.replace(/\/$/, "");
  const where = url.origin;
  return async function call(method, path, body) {
    let response;
    let text;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw new Stop(CONFIG_EXIT.UNAVAILABLE, `cannot reach the Worker at ${where}: ${describeFetchError(error)}`);
    }
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const error = json?.error;
    if (response.status === 401) {
      const code = typeof error?.code === "string" ? ` ${error.code}` : "";
      throw new Stop(CONFIG_EXIT.USAGE, `the Worker at ${where} refused the admin token in $${options.tokenEnv} (401${code}): check that it is the Worker's ADMIN_TOKEN`);
    }
    if (response.ok && json !== undefined && !error) return { status: response.status, json };
    if (error && typeof error.code === "string") return { status: response.status, error };
    throw new Stop(CONFIG_EXIT.UNAVAILABLE, `the Worker at ${where} answered ${method} ${path} with ${response.status}${json === undefined ? " and no JSON: is this the segment-bloomreach Worker's URL?" : ""}`);
  };
}

function describeFetchError(error) {
  if (error?.name === "TimeoutError") return "no answer in time";
  const cause = error?.cause;
  return cause?.code ? cause.code : String(cause?.message ?? error?.message ?? error);
}

/** An error answer as a Stop: problems listed one a line, conflicts explained. */
function refused(error, status, file) {
  if (error.code === "config_refused") {
    return new Stop(CONFIG_EXIT.REFUSED, `the Worker refused the configuration of ${file}, nothing was stored:\n${problemLines(error.problems ?? [])}`);
  }
  if (error.code === "config_unavailable" || error.code === "internal_error" || status >= 500) {
    return new Stop(CONFIG_EXIT.UNAVAILABLE, `the Worker could not answer (${status} ${error.code}): ${error.message}`);
  }
  if (error.code === "not_found") {
    return new Stop(CONFIG_EXIT.UNAVAILABLE, "no configuration admin API at this URL (404 not_found): is it the segment-bloomreach Worker, with its ADMIN_TOKEN secret set (without it the admin routes answer 404)?");
  }
  return new Stop(CONFIG_EXIT.REFUSED, `${status} ${error.code}: ${error.message}`);
}

function problemLines(problems) {
  return problems.map((p) => `  ${p.field}: ${p.message}`).join("\n");
}

function readFile(path) {
  const read = readConfigFile(path);
  if (read.problem) throw new Stop(CONFIG_EXIT.USAGE, read.problem);
  return read;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const RUN = {
  async validate(options, io) {
    const { config: document } = readFile(options.file);
    // Loaded here, not at the top: its wasm (~6 ms to load) serves this command only, not backfill.
    const { validateConfig } = await import("segment-bloomreach/config");
    try {
      const stored = validateConfig(document);
      io.stdout.write(`${options.file}: valid (${plural(stored.destinations.length, "destination")}, ${plural(stored.sources.length, "source")})\n`);
      return CONFIG_EXIT.OK;
    } catch (error) {
      if (error.code !== "config_invalid") throw error;
      io.stdout.write(`${options.file}: ${plural(error.problems.length, "problem")}:\n${problemLines(error.problems)}\n`);
      return CONFIG_EXIT.REFUSED;
    }
  },

  async diff(options, io) {
    const { config: document } = readFile(options.file);
    const call = adminClient(options, io.env);
    const live = await call("GET", "/admin/config");
    if (live.error) throw refused(live.error, live.status, options.file);
    const candidate = await call("POST", "/admin/config/validate", { config: document });
    if (candidate.error) throw refused(candidate.error, candidate.status, options.file);
    const from = live.json.version === null ? "the Worker's variables (nothing stored yet)" : `live version ${live.json.version}`;
    const changes = configChanges(live.json.config ?? {}, candidate.json.config);
    if (changes.length === 0) {
      io.stdout.write(`no changes: ${options.file} is ${from}\n`);
    } else {
      io.stdout.write(`${from} → ${options.file}: ${plural(changes.length, "change")}\n${changesText(changes)}\n`);
    }
    return CONFIG_EXIT.OK;
  },

  async push(options, io) {
    const read = readFile(options.file);
    if (read.baseVersion === null && !options.force) {
      throw new Stop(CONFIG_EXIT.USAGE, `${options.file} has no ${BASE_VERSION_KEY}, so whether someone published since it was written is unknown: pull first (and merge), or push --force to replace whatever is live (${BASE_VERSION_KEY} = 0 says nothing is stored yet)`);
    }
    const call = adminClient(options, io.env);
    const body = { config: read.config, summary: options.summary ?? `pushed from ${options.file}` };
    if (!options.force) body.baseVersion = read.baseVersion;
    const answer = await call("POST", "/admin/config", body);
    if (answer.error?.code === "config_conflict") {
      const live = answer.error.live ?? 0;
      throw new Stop(CONFIG_EXIT.REFUSED, `refused, nothing was stored: the live version is ${live}, but ${options.file} was pulled at version ${read.baseVersion}: someone published since. ` +
        `Run \`segment-bloomreach config diff\` to see the difference, pull and merge, then push again; or push --force to replace version ${live}.`);
    }
    if (answer.error) throw refused(answer.error, answer.status, options.file);
    const { version, summary } = answer.json;
    writeConfigFile(options.file, withBaseVersion(read.text, version));
    io.stdout.write(`published version ${version} ("${summary}"); ${options.file}'s ${BASE_VERSION_KEY} is now ${version}\n`);
    if (hasPlainKeys(read.config)) {
      io.stdout.write(`${options.file} holds write keys as \`key\`: run \`segment-bloomreach config pull\` to replace them by their digests before committing it\n`);
    }
    return CONFIG_EXIT.OK;
  },

  async pull(options, io) {
    const call = adminClient(options, io.env);
    const live = await call("GET", "/admin/config");
    if (live.error) throw refused(live.error, live.status, options.file);
    if (live.json.config === null) {
      throw new Stop(CONFIG_EXIT.REFUSED, "nothing is stored and the Worker's variables are not a valid configuration (see its /health): nothing to pull");
    }
    let oldText = null;
    const existing = readConfigFile(options.file);
    if (!existing.problem) oldText = existing.text;
    else if (!existing.problem.endsWith("no such file")) throw new Stop(CONFIG_EXIT.USAGE, `${existing.problem} (its comments could not be kept: fix it or move it away first)`);
    const version = live.json.version ?? 0;
    const written = configText(live.json.config, version, oldText);
    if (written.problem) throw new Stop(CONFIG_EXIT.REFUSED, written.problem);
    writeConfigFile(options.file, written.text);
    const from = live.json.version === null ? "the Worker's variables (nothing stored yet)" : `live version ${version}`;
    const dropped = written.dropped > 0 ? `; ${plural(written.dropped, "comment")} had no place any more and were dropped` : "";
    io.stdout.write(`wrote ${options.file}: ${from}${dropped}\n`);
    return CONFIG_EXIT.OK;
  },

  async history(options, io) {
    const call = adminClient(options, io.env);
    const answer = await call("GET", "/admin/config/versions");
    if (answer.error) throw refused(answer.error, answer.status, options.file);
    const { live, versions } = answer.json;
    if (versions.length === 0) {
      io.stdout.write("no version is stored: the Worker runs on its variables\n");
      return CONFIG_EXIT.OK;
    }
    const width = String(versions[0].version).length;
    const lines = versions.map((v) => {
      const when = new Date(v.createdAt).toISOString().replace(/\.\d+Z$/, "Z");
      return `${v.version === live ? "*" : " "} ${String(v.version).padStart(width)}  ${when}  ${v.admin}  ${v.summary}`;
    });
    io.stdout.write(`${lines.join("\n")}\n(* live)\n`);
    return CONFIG_EXIT.OK;
  },

  async rollback(options, io) {
    const version = Number(options.positional);
    if (!/^\d+$/.test(options.positional) || !Number.isSafeInteger(version) || version < 1) {
      throw usage([`VERSION must be a version number (1 or more), got "${options.positional}"`]);
    }
    const call = adminClient(options, io.env);
    const answer = await call("POST", "/admin/config/rollback", { version, ...(options.summary === undefined ? {} : { summary: options.summary }) });
    if (answer.error?.code === "version_not_found") throw new Stop(CONFIG_EXIT.REFUSED, `no version ${version} is stored (see \`segment-bloomreach config history\`)`);
    if (answer.error) throw refused(answer.error, answer.status, options.file);
    io.stdout.write(`published version ${answer.json.version}, a copy of version ${version} ("${answer.json.summary}"); run \`segment-bloomreach config pull\` to bring ${options.file} up to date\n`);
    return CONFIG_EXIT.OK;
  },

  async "import-env"(options, io) {
    const call = adminClient(options, io.env);
    const answer = await call("POST", "/admin/config/import-env", options.summary === undefined ? {} : { summary: options.summary });
    if (answer.error?.code === "config_conflict") {
      throw new Stop(CONFIG_EXIT.REFUSED, `refused: version ${answer.error.live} is stored already, so the variables are not imported (push a file instead)`);
    }
    if (answer.error) throw refused(answer.error, answer.status, options.file);
    io.stdout.write(`stored the Worker's variables as version ${answer.json.version} ("${answer.json.summary}")\n`);
    return CONFIG_EXIT.OK;
  },
};

function hasPlainKeys(document) {
  const sources = Array.isArray(document?.sources) ? document.sources : [];
  return sources.some((s) => Array.isArray(s?.writeKeys) && s.writeKeys.some((k) => k && typeof k.key === "string"));
}
