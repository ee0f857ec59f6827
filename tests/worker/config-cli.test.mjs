// `segment-bloomreach config …` end to end: the command line spawned as a real process against the Worker in workerd (Miniflare, listening on a port): pull, push, diff, a refused push, --force, history, rollback, import-env, offline validate, and what it prints when the token is wrong or the Worker is not there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_TOKEN, BASE_BINDINGS, startWorker, WRITE_KEY } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(root, "pkg/cli/bin.mjs");
const FILE = "segment-bloomreach.toml";

const WEB_KEY = "web-browser-key-0001";
const SERVER_KEY = "server-write-key-0002";
const SECRETS = { BLOOMREACH_API_KEY_EU: "eu-api-key", BLOOMREACH_API_KEY_US: "us-api-key", BLOOMREACH_API_SECRET_US: "us-api-secret" };
const digest = (key) => createHash("sha256").update(key).digest("hex");

/** Every output of every run, to check that no secret was ever printed. */
const printed = [];

/** Runs the command line in `cwd`; resolves to { code, stdout, stderr }. */
function cli(args, { cwd, env = {} }) {
  return new Promise((resolve) => {
    const childEnv = { PATH: process.env.PATH, ...env };
    execFile(process.execPath, [BIN, ...args], { cwd, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      printed.push(stdout, stderr);
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

const admin = (method, body) => ({
  method,
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** A file with two destinations and two sources, write keys as keys, with comments. */
const FIRST_FILE = `# Brands A and B: the Worker's sources.
# Kept in git; secrets are Worker secret names.

baseVersion = 0

# The EU project
[[destinations]]
name = "eu"
projectToken = "eu-project" # from the project settings
apiKeySecret = "BLOOMREACH_API_KEY_EU"

[[destinations]]
name = "us"
projectToken = "us-project"
apiKeySecret = "BLOOMREACH_API_KEY_US"
apiSecretSecret = "BLOOMREACH_API_SECRET_US"

# Brand A's website
[[sources]]
name = "web"
destination = "eu"
writeKeys = [{ kind = "browser", label = "web prod", key = "${WEB_KEY}" }]

[sources.settings]
# pings for session length
trackSessionPing = true

[[sources.settings.mappings]]
name = "signup"
subscribe = 'type = "track" and event = "Signed Up"'
eventType = "registration" # the name Bloomreach's scenarios use

[[sources]]
name = "server"
destination = "us"
writeKeys = [{ kind = "server", key = "${SERVER_KEY}" }]

[sources.settings]
ecommerceEvents = true
`;

test("config pull, push, diff, a refused push, --force, history and rollback against the Worker", async () => {
  const worker = await startWorker({ listen: true, bindings: SECRETS });
  const cwd = mkdtempSync(path.join(tmpdir(), "config-cli-"));
  const env = { SEGMENT_BLOOMREACH_URL: worker.url, ADMIN_TOKEN };
  const file = path.join(cwd, FILE);
  try {
    // Nothing stored: pull writes the variables as a configuration, baseVersion 0.
    let run = await cli(["config", "pull"], { cwd, env });
    assert.deepEqual(run, { code: 0, stdout: `wrote ${FILE}: the Worker's variables (nothing stored yet)\n`, stderr: "" });
    assert.equal(readFileSync(file, "utf8"), `# The configuration of a segment-bloomreach Worker: its destinations (Bloomreach projects) and
# sources. \`segment-bloomreach config --help\` tells how to validate, diff, push and pull it.
# baseVersion is the live version this file was pulled from: push refuses if it is not live any more.
baseVersion = 0

[[destinations]]
name = "default"
apiBaseUrl = "${BASE_BINDINGS.BLOOMREACH_API_BASE_URL}"
projectToken = "${BASE_BINDINGS.BLOOMREACH_PROJECT_TOKEN}"
apiKeySecret = "BLOOMREACH_API_KEY"

[[sources]]
name = "default"
destination = "default"

[[sources.writeKeys]]
label = "SEGMENT_WRITE_KEY"
kind = "browser"
sha256 = "${digest(WRITE_KEY)}"
last4 = "${WRITE_KEY.slice(-4)}"

[sources.webhook]
sharedSecretSecret = "SEGMENT_SHARED_SECRET"

[sources.settings]
exponeaHardId = "registered"
exponeaSoftId = "cookie"
flattenNestedObjects = false
trackSessionPing = false
mappings = []
ecommerceEvents = false
requiredConsentCategories = []

[sources.settings.consentCategories]
`);

    // Push a file of two sources onto the empty store: version 1; only baseVersion changes in the file.
    writeFileSync(file, FIRST_FILE);
    run = await cli(["config", "push", "--summary", "two brands"], { cwd, env });
    assert.deepEqual(run, {
      code: 0,
      stdout: `published version 1 ("two brands"); ${FILE}'s baseVersion is now 1\n` +
        `${FILE} holds write keys as \`key\`: run \`segment-bloomreach config pull\` to replace them by their digests before committing it\n`,
      stderr: "",
    });
    assert.equal(readFileSync(file, "utf8"), FIRST_FILE.replace("baseVersion = 0", "baseVersion = 1"));

    // Pull again: write keys as digests, every comment where it was.
    run = await cli(["config", "pull"], { cwd, env });
    assert.deepEqual(run, { code: 0, stdout: `wrote ${FILE}: live version 1\n`, stderr: "" });
    const pulled = `# Brands A and B: the Worker's sources.
# Kept in git; secrets are Worker secret names.

baseVersion = 1

# The EU project
[[destinations]]
name = "eu"
projectToken = "eu-project" # from the project settings
apiKeySecret = "BLOOMREACH_API_KEY_EU"

[[destinations]]
name = "us"
projectToken = "us-project"
apiKeySecret = "BLOOMREACH_API_KEY_US"
apiSecretSecret = "BLOOMREACH_API_SECRET_US"

# Brand A's website
[[sources]]
name = "web"
destination = "eu"

[[sources.writeKeys]]
label = "web prod"
kind = "browser"
sha256 = "${digest(WEB_KEY)}"
last4 = "0001"

[sources.settings]
# pings for session length
trackSessionPing = true

[[sources.settings.mappings]]
name = "signup"
subscribe = 'type = "track" and event = "Signed Up"'
eventType = "registration" # the name Bloomreach's scenarios use

[[sources]]
name = "server"
destination = "us"

[[sources.writeKeys]]
kind = "server"
sha256 = "${digest(SERVER_KEY)}"
last4 = "0002"

[sources.settings]
ecommerceEvents = true
`;
    assert.equal(readFileSync(file, "utf8"), pulled);
    run = await cli(["config", "diff"], { cwd, env });
    assert.deepEqual(run, { code: 0, stdout: `no changes: ${FILE} is live version 1\n`, stderr: "" });

    // An edit: diff shows it source by source.
    const edited = pulled
      .replace('eventType = "registration"', 'eventType = "signup_v2"')
      .replace("trackSessionPing = true", "trackSessionPing = false")
      .replace('projectToken = "us-project"', 'projectToken = "us-project-2"');
    writeFileSync(file, edited);
    run = await cli(["config", "diff"], { cwd, env });
    const rule = { name: "signup", subscribe: 'type = "track" and event = "Signed Up"' };
    assert.deepEqual(run, {
      code: 0,
      stdout: `live version 1 → ${FILE}: 3 changes
destination us
  ~ projectToken: "us-project" → "us-project-2"
source web
  ~ settings.trackSessionPing: true → false
  ~ settings.mappings: ${JSON.stringify([{ ...rule, eventType: "registration" }])} → ${JSON.stringify([{ ...rule, eventType: "signup_v2" }])}
`,
      stderr: "",
    });

    // Someone else publishes version 2: the push from base 1 is refused, and nothing changes.
    const live1 = (await worker.dispatch("/admin/config", admin("GET"))).json.config;
    const other = structuredClone(live1);
    other.sources[1].settings.ecommerceEvents = false;
    const published = await worker.dispatch("/admin/config", admin("POST", { config: other, summary: "someone else", baseVersion: 1 }));
    assert.equal(published.status, 201, published.text);
    run = await cli(["config", "push"], { cwd, env });
    assert.deepEqual(run, {
      code: 1,
      stdout: "",
      stderr: `segment-bloomreach config push: refused, nothing was stored: the live version is 2, but ${FILE} was pulled at version 1: someone published since. ` +
        "Run `segment-bloomreach config diff` to see the difference, pull and merge, then push again; or push --force to replace version 2.\n",
    });
    assert.equal((await worker.dispatch("/admin/config/versions", admin("GET"))).json.live, 2);
    assert.equal(readFileSync(file, "utf8"), edited);

    // --force replaces it.
    run = await cli(["config", "push", "--force", "--summary", "rename the signup event"], { cwd, env });
    assert.deepEqual(run, { code: 0, stdout: `published version 3 ("rename the signup event"); ${FILE}'s baseVersion is now 3\n`, stderr: "" });
    assert.equal(readFileSync(file, "utf8"), edited.replace("baseVersion = 1", "baseVersion = 3"));
    const live3 = (await worker.dispatch("/admin/config", admin("GET"))).json;
    assert.equal(live3.version, 3);
    assert.equal(live3.config.sources[0].settings.mappings[0].eventType, "signup_v2");

    // History, newest first, the live one marked.
    run = await cli(["config", "history"], { cwd, env });
    const { versions } = (await worker.dispatch("/admin/config/versions", admin("GET"))).json;
    const when = (n) => new Date(versions.find((v) => v.version === n).createdAt).toISOString().replace(/\.\d+Z$/, "Z");
    assert.deepEqual(run, {
      code: 0,
      stdout: `* 3  ${when(3)}  ADMIN_TOKEN  rename the signup event
  2  ${when(2)}  ADMIN_TOKEN  someone else
  1  ${when(1)}  ADMIN_TOKEN  two brands
(* live)
`,
      stderr: "",
    });

    // Rollback to 1: version 4 is a copy of version 1, live.
    run = await cli(["config", "rollback", "1"], { cwd, env });
    assert.deepEqual(run, {
      code: 0,
      stdout: `published version 4, a copy of version 1 ("rollback to version 1"); run \`segment-bloomreach config pull\` to bring ${FILE} up to date\n`,
      stderr: "",
    });
    const live4 = (await worker.dispatch("/admin/config", admin("GET"))).json;
    assert.deepEqual([live4.version, live4.config], [4, live1]);
    run = await cli(["config", "rollback", "9"], { cwd, env });
    assert.deepEqual(run, { code: 1, stdout: "", stderr: "segment-bloomreach config rollback: no version 9 is stored (see `segment-bloomreach config history`)\n" });

    // The file after pull: version 1's values again, the comments still there.
    run = await cli(["config", "pull"], { cwd, env });
    assert.equal(run.code, 0);
    assert.equal(readFileSync(file, "utf8"), pulled.replace("baseVersion = 1", "baseVersion = 4"));

    // A wrong token: a clear error, exit 2, the token named by its variable only.
    run = await cli(["config", "history"], { cwd, env: { ...env, ADMIN_TOKEN: "not-the-admin-token" } });
    assert.deepEqual(run, {
      code: 2,
      stdout: "",
      stderr: `segment-bloomreach config history: the Worker at ${worker.url} refused the admin token in $ADMIN_TOKEN (401 invalid_credentials): check that it is the Worker's ADMIN_TOKEN\n`,
    });
    run = await cli(["config", "history", "--token-env", "MY_TOKEN"], { cwd, env: { SEGMENT_BLOOMREACH_URL: worker.url } });
    assert.deepEqual(run, { code: 2, stdout: "", stderr: "segment-bloomreach config history: no admin token: set the environment variable MY_TOKEN\nRun `segment-bloomreach config history --help` for its options.\n" });
    run = await cli(["config", "history", "--token", ADMIN_TOKEN], { cwd, env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /there is no --token: the admin token is read from an environment variable only/);

    // A configuration the Worker refuses (a secret it does not have): every problem at its path.
    writeFileSync(file, edited.replace('apiSecretSecret = "BLOOMREACH_API_SECRET_US"', 'apiSecretSecret = "NO_SUCH_SECRET"').replace("baseVersion = 1", "baseVersion = 4"));
    for (const command of ["diff", "push"]) {
      run = await cli(["config", command], { cwd, env });
      assert.deepEqual(run, {
        code: 1,
        stdout: "",
        stderr: `segment-bloomreach config ${command}: the Worker refused the configuration of ${FILE}, nothing was stored:\n` +
          "  destinations[1].apiSecretSecret: the Worker has no secret named NO_SUCH_SECRET: `wrangler secret put NO_SUCH_SECRET` first\n",
      });
    }
    assert.equal((await worker.dispatch("/admin/config/versions", admin("GET"))).json.live, 4);
  } finally {
    await worker.dispose();
    rmSync(cwd, { recursive: true, force: true });
  }
  // No run printed the admin token, a write key or a secret's value.
  const output = printed.join("\n");
  for (const secret of [ADMIN_TOKEN, WEB_KEY, SERVER_KEY, WRITE_KEY, ...Object.values(SECRETS), BASE_BINDINGS.BLOOMREACH_API_KEY]) {
    assert.ok(!output.includes(secret), `an output holds ${secret}`);
  }
});

test("config import-env stores the variables once; a Worker that is not there is exit 3", async () => {
  const worker = await startWorker({ listen: true });
  const cwd = mkdtempSync(path.join(tmpdir(), "config-cli-"));
  const env = { SEGMENT_BLOOMREACH_URL: worker.url, ADMIN_TOKEN };
  try {
    let run = await cli(["config", "import-env"], { cwd, env });
    assert.deepEqual(run, { code: 0, stdout: `stored the Worker's variables as version 1 ("imported from the Worker's variables")\n`, stderr: "" });
    run = await cli(["config", "import-env"], { cwd, env });
    assert.deepEqual(run, { code: 1, stdout: "", stderr: "segment-bloomreach config import-env: refused: version 1 is stored already, so the variables are not imported (push a file instead)\n" });
    // A push with no baseVersion is refused before anything is sent.
    writeFileSync(path.join(cwd, FILE), FIRST_FILE.replace("baseVersion = 0\n", ""));
    run = await cli(["config", "push"], { cwd, env });
    assert.deepEqual(run, {
      code: 2,
      stdout: "",
      stderr: `segment-bloomreach config push: ${FILE} has no baseVersion, so whether someone published since it was written is unknown: pull first (and merge), or push --force to replace whatever is live (baseVersion = 0 says nothing is stored yet)\n`,
    });
  } finally {
    await worker.dispose();
  }
  try {
    // A port nothing listens on any more.
    const server = createServer();
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const gone = `http://127.0.0.1:${server.address().port}`;
    await new Promise((resolve) => server.close(resolve));
    const run = await cli(["config", "pull"], { cwd, env: { SEGMENT_BLOOMREACH_URL: gone, ADMIN_TOKEN } });
    assert.deepEqual(run, { code: 3, stdout: "", stderr: `segment-bloomreach config pull: cannot reach the Worker at ${gone}: ECONNREFUSED\n` });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("config validate works offline: every problem at its path, exit 1; a valid file, exit 0", async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "config-cli-"));
  try {
    writeFileSync(path.join(cwd, "bad.toml"), `baseVersion = 3

[[destinations]]
name = "eu"
projectToken = "eu project"
apiKeySecret = "sk-live-a-pasted-value"

[[sources]]
name = "web"
destination = "eurpe"
writeKeys = [{ kind = "mobile", key = "web-browser-key-0001" }]

[sources.settings]
trackSesionPing = true

[[sources.settings.mappings]]
name = "r"
subscribe = "type = "
eventType = "x"
`);
    // Each command has its help, on standard output, exit 0.
    for (const command of ["validate", "diff", "push", "pull", "history", "rollback", "import-env"]) {
      const help = await cli(["config", command, "--help"], { cwd });
      assert.equal(help.code, 0, command);
      assert.equal(help.stdout.split("\n")[0].split(" [")[0].split(" VERSION")[0], `Usage: segment-bloomreach config ${command}`);
    }
    // No URL, no token: validate needs neither.
    let run = await cli(["config", "validate", "--file", "bad.toml"], { cwd });
    assert.deepEqual(run, {
      code: 1,
      stdout: `bad.toml: 6 problems:
  destinations[0].apiKeySecret: must be the name of a Worker secret (uppercase letters, digits and '_', like BLOOMREACH_API_KEY_EU), not its value: \`wrangler secret put NAME\`, then write NAME here
  destinations[0].projectToken: must contain only letters, digits and '-' (it is a URL path segment)
  sources[0].destination: no destination is named "eurpe" (destinations: eu)
  sources[0].writeKeys[0].kind: must be "browser" (a key in web pages and apps) or "server", got "mobile"
  sources[0].settings.trackSesionPing: unknown key (did you mean \`trackSessionPing\`?)
  sources[0].settings.mappings[0].subscribe: expected a value (a string, a number, true, false or null), got the end of the query (at character 8)
`,
      stderr: "",
    });
    run = await cli(["config", "validate"], { cwd });
    assert.deepEqual(run, { code: 2, stdout: "", stderr: `segment-bloomreach config validate: ${FILE}: no such file\n` });
    writeFileSync(path.join(cwd, FILE), FIRST_FILE);
    run = await cli(["config", "validate"], { cwd });
    assert.deepEqual(run, { code: 0, stdout: `${FILE}: valid (2 destinations, 2 sources)\n`, stderr: "" });
    writeFileSync(path.join(cwd, "broken.toml"), `[[sources]]\nname = "web"\nwriteKeys = [{ key = "${WEB_KEY}" }\n`);
    run = await cli(["config", "validate", "--file", "broken.toml"], { cwd });
    // Where, and what: never the parser's quote of the file, which may hold a write key.
    assert.deepEqual(run, { code: 2, stdout: "", stderr: "segment-bloomreach config validate: broken.toml is not valid TOML (line 4, column 1): expected comma or end of structure\n" });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
