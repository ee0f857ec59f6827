// Shared by the runtime matrix and the example Worker's test: the package packed as a user gets it,
// fresh apps with it installed, and `wrangler dev` (real workerd) started and stopped.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "node_modules/.bin");

/** `npm pack`s pkg/ into a new scratch folder; returns { dir, tarball }. */
export function packPackage() {
  for (const built of ["node/index.cjs", "edge/index.js", "bundler/index.js", "web/index.js"]) {
    if (!existsSync(join(ROOT, "pkg", built))) throw new Error(`pkg/${built} is missing: run \`bash dev/build\` first`);
  }
  const dir = mkdtempSync(join(tmpdir(), "segment-bloomreach-runtimes-"));
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: join(ROOT, "pkg"), encoding: "utf8" }));
  return { dir, tarball: join(dir, packed.filename) };
}

/**
 * A fresh app in `parent`/`name` with the tarball installed from disk (no registry), plus `files`
 * ({ relative path: text }) or a folder to copy first (`from`). Returns the app's folder.
 */
export function makeApp(parent, name, tarball, { files = {}, from = null, packageJson = {} } = {}) {
  const app = join(parent, name);
  if (from) cpSync(from, app, { recursive: true, filter: (source) => !/[/\\](node_modules|\.wrangler)$/.test(source) });
  mkdirSync(app, { recursive: true });
  if (!from) writeFileSync(join(app, "package.json"), JSON.stringify({ name, private: true, ...packageJson }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--no-package-lock", tarball], { cwd: app, stdio: "ignore" });
  return app;
}

/**
 * The binary of the npm package `deno` or `bun`. Their install step links it out of the platform
 * package npm installs beside them (@deno/linux-x64-glibc, @oven/bun-linux-x64); where install
 * scripts did not run, Bun's bin is a stub, so the platform package's own binary is taken.
 */
export function runtimeBinary(name) {
  const candidates = {
    deno: [join(BIN, "deno"), join(ROOT, "node_modules/@deno/linux-x64-glibc/deno")],
    bun: [join(BIN, "bun"), join(ROOT, "node_modules/@oven/bun-linux-x64/bin/bun"), join(ROOT, "node_modules/@oven/bun-linux-x64-baseline/bin/bun")],
  }[name];
  for (const binary of candidates) {
    try {
      execFileSync(binary, ["--version"], { stdio: "ignore" });
      return binary;
    } catch {}
  }
  throw new Error(`no working ${name} binary among ${candidates.join(", ")}: run npm ci`);
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The Durable Object bindings and migrations of wrangler.toml: the ledger, the configuration store and the console's inspector. */
export const OBJECTS_TOML = `
[[durable_objects.bindings]]
name = "DELIVERY_LEDGER"
class_name = "DeliveryLedger"

[[durable_objects.bindings]]
name = "CONFIG_STORE"
class_name = "ConfigStore"

[[durable_objects.bindings]]
name = "EVENT_INSPECTOR"
class_name = "EventInspector"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["DeliveryLedger"]

[[migrations]]
tag = "v2"
new_sqlite_classes = ["ConfigStore"]

[[migrations]]
tag = "v3"
new_sqlite_classes = ["EventInspector"]
`;

/**
 * The built Worker (build/, no [build] step) in a scratch folder of its own with a wrangler.toml
 * named `name` holding `toml` (its [vars] and whatever bindings the caller writes), for
 * startWranglerDev. Returns the folder (removeDir it after).
 */
export function builtWorkerApp(name, toml) {
  if (!existsSync(join(ROOT, "build/index.js"))) throw new Error("build/index.js is missing: run `bash dev/build --worker` first");
  const app = mkdtempSync(join(tmpdir(), `${name}-`));
  cpSync(join(ROOT, "build"), join(app, "build"), { recursive: true });
  writeFileSync(join(app, "wrangler.toml"), `name = "${name}"\nmain = "build/index.js"\ncompatibility_date = "2026-04-01"\n\n${toml}`);
  return app;
}

/**
 * A child spawned `detached` (its own process group), watched: its output so far, whether it
 * still runs, and stop() (SIGTERM to the whole group, SIGKILL after 5 s), which ends it and
 * whatever it started (wrangler and its workerd, dev/start's stand-in) and nothing else.
 */
export function processGroup(child) {
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  let alive = true;
  const exited = new Promise((done) => child.once("exit", (code) => done(code)));
  exited.then(() => (alive = false));
  const stop = async () => {
    if (!alive) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { output: () => log, running: () => alive, stop, exited };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * `wrangler dev --local` in `app` (the project's pinned wrangler, real workerd), with `vars`, on
 * `port` and `inspectorPort` (default: free ones). Resolves once the Worker answers `probe`;
 * returns { url, output(), stop() }.
 */
export async function startWranglerDev(app, { vars = {}, probe = "/", timeoutMs = 90_000, port: fixedPort, inspectorPort: fixedInspector, args: extraArgs = [] } = {}) {
  const port = fixedPort ?? (await freePort());
  const inspectorPort = fixedInspector ?? (await freePort());
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  args.push(...extraArgs);
  // Its own process group, so stop() ends wrangler and the workerd it started, and nothing else.
  const child = spawn(join(BIN, "wrangler"), args, {
    cwd: app,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", CI: "true" },
  });
  const { output, running, stop } = processGroup(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running()) throw new Error(`wrangler dev exited early:\n${output()}`);
    try {
      await fetch(url + probe, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return { url, output, stop };
}
