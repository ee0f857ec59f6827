// The console end to end in Chromium (playwright-core, /usr/bin/chromium) against `wrangler dev`
// (real workerd: the Worker, its static assets with preview/_headers, the ledger, the configuration
// store and the inspector as SQLite Durable Objects) and Bloomreach stand-ins: signed out, every
// admin route and the socket are refused; signed in, traffic through two sources with injected
// faults shows in the overview with the stand-ins' counts, the inspector shows a rejected event
// with its code and Bloomreach's answer and a live event without reload, a rule edited on a
// captured event and published changes the next delivery and a rollback restores it, a dead letter
// (a second Worker in queue mode) is replayed, and a hostile event renders inert.
//
// Run: node --test --test-timeout=300000 tests/browser/console.test.mjs   (needs `bash dev/build --worker`)
// CONSOLE_SCREENSHOTS=1 also writes docs/console-*.png (dev/screenshot-console.mjs).
// Ports 8820–8826.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import { CHROMIUM } from "../../dev/screenshot-preview.mjs";
import { screenshotConsole } from "../../dev/screenshot-console.mjs";
import { OBJECTS_TOML, ROOT, removeDir, startWranglerDev } from "../runtimes/support.mjs";

const PORTS = { worker: 8820, workerInspector: 8821, eu: 8822, us: 8823, queue: 8824, queueInspector: 8825, queueStandIn: 8826 };
const ADMIN_TOKEN = "console-e2e-admin-token-0123456789abcdef";
const EU = { project: "eu-project", key: "eu-api-key" };
const US = { project: "us-project", key: "us-api-key" };
const WEB_KEY = "web-write-key-console-1";
const APP_KEY = "app-write-key-console-2";
const SIGNUP = { name: "signup", subscribe: 'type = "track" and event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } };
const HOSTILE = "<img src=x onerror=window.__pwned=1>";

const eu = createStandIn({ projectToken: EU.project, apiKey: EU.key, log: null });
const us = createStandIn({ projectToken: US.project, apiKey: US.key, log: null });
const queueStandIn = createStandIn({ projectToken: "local-project", apiKey: "local-api-key", log: null });
let scratch = [];
let worker;
let queueWorker;
let browser;
let context;
let page;
const problems = []; // page errors, console errors other than expected 401/404 loads, CSP reports

function toml({ name, vars, queue = false }) {
  const lines = Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join("\n");
  return `name = "${name}"
main = "${join(ROOT, "build/index.js")}"
compatibility_date = "2026-04-01"

[assets]
directory = "${join(ROOT, "preview")}"

[vars]
${lines}

${OBJECTS_TOML}${
  queue
    ? `
[[queues.producers]]
binding = "DELIVERY_QUEUE"
queue = "console-e2e-events"

[[queues.consumers]]
queue = "console-e2e-events"
max_batch_size = 100
max_batch_timeout = 1
max_retries = 1
dead_letter_queue = "console-e2e-events-dlq"

[[queues.consumers]]
queue = "console-e2e-events-dlq"
max_batch_size = 100
max_batch_timeout = 1
max_retries = 10
`
    : ""
}`;
}

async function startWorker(name, vars, ports, queue = false) {
  const dir = mkdtempSync(join(tmpdir(), `segment-bloomreach-${name}-`));
  scratch.push(dir);
  writeFileSync(join(dir, "wrangler.toml"), toml({ name, vars, queue }));
  return startWranglerDev(dir, { probe: "/health", port: ports[0], inspectorPort: ports[1], timeoutMs: 120_000 });
}

const configuration = (eventType = "registration") => ({
  destinations: [
    { name: "eu", apiBaseUrl: `http://127.0.0.1:${PORTS.eu}/`, projectToken: EU.project, apiKeySecret: "BLOOMREACH_API_KEY_EU" },
    { name: "us", apiBaseUrl: `http://127.0.0.1:${PORTS.us}/`, projectToken: US.project, apiKeySecret: "BLOOMREACH_API_KEY_US" },
  ],
  sources: [
    { name: "web", destination: "eu", writeKeys: [{ kind: "server", key: WEB_KEY }], settings: { mappings: [{ ...SIGNUP, eventType }] } },
    { name: "app", destination: "us", writeKeys: [{ kind: "server", key: APP_KEY }] },
  ],
});

async function adminCall(base, method, path, body) {
  const response = await fetch(base + path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, json: await response.json().catch(() => null) };
}

async function send(base, writeKey, events) {
  const response = await fetch(`${base}/v1/batch`, { method: "POST", headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` }, body: JSON.stringify({ batch: events }) });
  return { status: response.status, json: await response.json().catch(() => null) };
}

const track = (messageId, event, extra = {}) => ({ type: "track", messageId, userId: `user-${messageId}`, event, timestamp: "2026-01-05T10:00:00.000Z", ...extra });
const storedIds = (standIn) => new Set(standIn.received.stored.map((c) => c.command_id));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/** A WebSocket handshake by hand: resolves to the answer's status (101 when accepted). */
function handshake(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers } });
    request.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("error", reject);
    request.end();
  });
}

/** Opens the console at `base` and signs in (signing out first when the cookie is still valid there). */
async function signIn(target = page, base = worker.url) {
  await target.goto(`${base}/console/`);
  await target.waitForSelector("#signin:not([hidden]), #nav:not([hidden])");
  if (await target.isVisible("#nav")) {
    await target.click("#sign-out");
    await target.waitForSelector("#signin:not([hidden])");
    assert.deepEqual(await context.cookies(base), [], "signed out: the cookie is gone");
  }
  await target.fill("#token", ADMIN_TOKEN);
  await target.click("#signin-submit");
  await target.waitForSelector("#nav:not([hidden])");
}

/** Opens a view by its hash and waits until it is mounted. */
async function open(hash) {
  const before = await page.evaluate(() => window.__console.state.mounted);
  await page.evaluate((h) => {
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent("hashchange"));
    else location.hash = h;
  }, hash);
  await page.waitForFunction((n) => window.__console.state.mounted > n, before);
}

before(async () => {
  if (!existsSync(join(ROOT, "build/index.js"))) throw new Error("build/index.js is missing: run `bash dev/build --worker` first");
  if (!existsSync(join(ROOT, "preview/console/vendor/uPlot.esm.js"))) throw new Error("preview/console/vendor/ is missing: run `bash dev/build`");
  await Promise.all([eu.listen({ port: PORTS.eu, host: "127.0.0.1" }), us.listen({ port: PORTS.us, host: "127.0.0.1" }), queueStandIn.listen({ port: PORTS.queueStandIn, host: "127.0.0.1" })]);
  const common = { ADMIN_TOKEN, CONFIG_CACHE_SECONDS: "1", BLOOMREACH_PROJECT_TOKEN: "local-project", BLOOMREACH_API_KEY: "local-api-key", BLOOMREACH_HARD_ID: "registered", BLOOMREACH_SOFT_ID: "cookie" };
  [worker, queueWorker] = await Promise.all([
    startWorker("console-e2e", { ...common, BLOOMREACH_API_BASE_URL: `http://127.0.0.1:${PORTS.eu}/`, SEGMENT_WRITE_KEY: "variables-write-key-1", BLOOMREACH_API_KEY_EU: EU.key, BLOOMREACH_API_KEY_US: US.key }, [PORTS.worker, PORTS.workerInspector]),
    startWorker("console-e2e-queue", { ...common, BLOOMREACH_API_BASE_URL: `http://127.0.0.1:${PORTS.queueStandIn}/`, SEGMENT_WRITE_KEY: "queue-write-key-1", QUEUE_RETRY_MAX_DELAY_SECONDS: "1" }, [PORTS.queue, PORTS.queueInspector], true),
  ]);
  const published = await adminCall(worker.url, "POST", "/admin/config", { config: configuration(), summary: "two sources", baseVersion: 0 });
  assert.equal(published.status, 201, JSON.stringify(published.json));
  browser = await chromium.launch(CHROMIUM);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
  page.on("console", (message) => {
    const text = message.text();
    // Loads refused while signed out (401) and the socket's reconnects are expected; CSP reports are not.
    if (message.type() === "error" && !/status of 401|WebSocket connection/.test(text)) problems.push(`console: ${text}`);
    if (/Content Security Policy/i.test(text)) problems.push(`csp: ${text}`);
  });
});

after(async () => {
  await browser?.close();
  await Promise.all([worker?.stop(), queueWorker?.stop()]);
  await Promise.all([eu.close(), us.close(), queueStandIn.close()]);
  for (const dir of scratch) removeDir(dir);
});

test("signed out: the pages carry the strict CSP, the console shows only the sign-in form, and every admin route and the socket are refused", async () => {
  for (const path of ["/", "/console/"]) {
    const response = await fetch(worker.url + path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-security-policy"), "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
  }
  assert.equal((await fetch(`${worker.url}/_headers`)).status, 404, "the headers file is not served");

  const routes = [
    ["GET", "/admin/session"], ["GET", "/admin/config"], ["POST", "/admin/config"], ["POST", "/admin/config/validate"], ["GET", "/admin/config/versions"],
    ["GET", "/admin/config/versions/1"], ["GET", "/admin/config/diff"], ["POST", "/admin/config/rollback"], ["POST", "/admin/config/import-env"],
    ["GET", "/admin/dead-letters"], ["POST", "/admin/dead-letters/replay"], ["POST", "/admin/dead-letters/discard"], ["GET", "/admin/overview"],
    ["GET", "/admin/sources/web/events"], ["GET", "/admin/sources/web/live"], ["POST", "/admin/sources/web/try"],
  ];
  for (const [method, path] of routes) {
    const response = await fetch(worker.url + path, { method, headers: { "content-type": "application/json", cookie: "sb_session=9999999999.forged" }, ...(method === "POST" ? { body: "{}" } : {}) });
    assert.equal(response.status, 401, `${method} ${path}`);
    const body = await response.json();
    assert.deepEqual(Object.keys(body), ["error"], `${method} ${path} shows nothing but the error`);
    assert.equal(response.headers.get("cache-control"), "no-store");
  }
  const live = `${worker.url}/admin/sources/web/live`;
  assert.equal(await handshake(live), 401, "the socket without credentials");
  assert.equal(await handshake(live, { cookie: "sb_session=9999999999.forged", origin: worker.url }), 401, "the socket with a forged cookie");

  await page.goto(`${worker.url}/console/`);
  await page.waitForSelector("#signin:not([hidden])");
  assert.equal(await page.isHidden("#nav"), true);
  assert.equal(await page.textContent("#view"), "");
  const socket = await page.evaluate(
    (url) =>
      new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve("open");
        ws.onerror = () => resolve("refused");
      }),
    live.replace("http:", "ws:"),
  );
  assert.equal(socket, "refused");
  // The public preview works under the same policy (its wasm runs: 'wasm-unsafe-eval') and links to the console.
  await page.goto(`${worker.url}/`);
  await page.waitForFunction(() => window.__preview?.snapshot().renders > 0 && document.querySelectorAll("#requests .card").length > 0, null, { timeout: 15_000 });
  await page.click("#console-link");
  await page.waitForSelector("#signin:not([hidden])");
});

test("sign in: the token buys an HttpOnly cookie no script can read; it opens the socket only from the console's origin; a wrong token is refused", async () => {
  await page.goto(`${worker.url}/console/`);
  await page.fill("#token", "not-the-token");
  await page.click("#signin-submit");
  await page.waitForFunction(() => document.getElementById("signin-error").textContent !== "");
  assert.equal(await page.textContent("#signin-error"), "That is not the admin token.");
  assert.equal(await page.inputValue("#token"), "", "the field is cleared");
  await signIn();
  const cookies = await context.cookies(worker.url);
  assert.equal(cookies.length, 1);
  assert.deepEqual({ ...cookies[0], value: undefined, expires: undefined }, { name: "sb_session", value: undefined, domain: "127.0.0.1", path: "/", expires: undefined, httpOnly: true, secure: true, sameSite: "Strict" });
  assert.ok(!cookies[0].value.includes(ADMIN_TOKEN));
  assert.equal(await page.evaluate(() => document.cookie), "");
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)), "{}{}");
  const cookie = `sb_session=${cookies[0].value}`;
  const live = `${worker.url}/admin/sources/web/live`;
  assert.equal(await handshake(live, { cookie, origin: worker.url }), 101);
  assert.equal(await handshake(live, { cookie, origin: "https://evil.example" }), 403);
  assert.equal(await handshake(live, { authorization: `Bearer ${ADMIN_TOKEN}` }), 101, "the bearer token still works");
  const change = await fetch(`${worker.url}/admin/config/rollback`, { method: "POST", headers: { cookie, origin: "https://evil.example", "content-type": "application/json" }, body: JSON.stringify({ version: 1 }) });
  assert.equal(change.status, 403);
  assert.equal((await change.json()).error.code, "origin_not_allowed");
});

test("traffic through two sources with faults: the overview's counts equal the stand-ins', the inspector shows the rejected events with their code and Bloomreach's answer, and a live event appears without reload", async () => {
  // web: the first Bloomreach request fails (500) and is retried; one event has an unknown type.
  eu.setFaults({ script: ["500"] });
  const web = [track("w-1", "Signed Up", { properties: { plan: "pro" } }), track("w-2", "Viewed"), track("w-3", "Clicked"), { type: "bogus", messageId: "w-4", userId: "user-w-4" }];
  const webAnswer = await send(worker.url, WEB_KEY, web);
  assert.equal(webAnswer.status, 200, JSON.stringify(webAnswer.json));
  // app: Bloomreach refuses the first command (a partial answer).
  us.setFaults({ script: ["partial"] });
  const appAnswer = await send(worker.url, APP_KEY, [track("a-1", "Opened"), track("a-2", "Closed"), track("a-3", "Tapped")]);
  assert.equal(appAnswer.status, 200, JSON.stringify(appAnswer.json));
  assert.deepEqual([...storedIds(eu)].sort(), ["w-1", "w-2", "w-3"]);
  assert.deepEqual([...storedIds(us)].sort(), ["a-2", "a-3"]);

  await open("#overview");
  const count = (source, name) => page.textContent(`[data-source="${source}"] [data-count="${name}"] .n`).then((t) => Number(t.replace(/,/g, "")));
  await page.waitForFunction(() => window.__console.overview?.()?.total.lastHour.received >= 7, null, { timeout: 15_000 });
  await waitFor(async () => (await count("total", "received")) === 7, "the overview's totals");
  assert.equal(await count("web", "delivered"), storedIds(eu).size);
  assert.equal(await count("app", "delivered"), storedIds(us).size);
  assert.equal(await count("total", "delivered"), storedIds(eu).size + storedIds(us).size);
  assert.equal(await count("web", "rejected"), 1);
  assert.equal(await count("app", "rejected"), 1);
  assert.ok((await count("web", "retried")) >= 1, "the 500 was retried");
  const overview = await page.evaluate(() => window.__console.overview());
  assert.deepEqual(overview.sources.find((s) => s.name === "web").lastHour.rejected, { unsupported_type: 1 });
  assert.deepEqual(overview.sources.find((s) => s.name === "app").lastHour.rejected, { bloomreach_rejected: 1 });
  assert.equal(await page.locator('[data-source="web"] .chart canvas').count(), 1, "a uPlot chart per card");
  assert.equal(await page.textContent('[data-source="web"] [data-binding="inspector"]'), "inspector on");

  // The app's event Bloomreach refused, with its code and Bloomreach's answer.
  await open("#inspector?source=app&outcome=rejected");
  await page.waitForSelector('#event-rows tr[data-id]');
  assert.equal(await page.locator("#event-rows tr[data-id]").count(), 1);
  await page.click("#event-rows tr[data-id] button");
  await page.waitForSelector(".event-detail");
  assert.equal(await page.textContent(".event-detail [data-code]"), "bloomreach_rejected");
  const answer = JSON.parse(await page.textContent('.event-detail .command .answer pre'));
  assert.deepEqual({ success: answer.success, errors: answer.errors }, { success: false, errors: ["injected failure"] });
  assert.equal(await page.getAttribute(".event-detail .command", "data-status"), "rejected");
  // The web source's unknown type, by the code filter.
  await open("#inspector?source=web&code=unsupported_type");
  await page.waitForSelector('#event-rows tr[data-outcome="rejected"]');
  await page.click("#event-rows tr[data-id] button");
  assert.equal(await page.textContent(".event-detail [data-code]"), "unsupported_type");

  // A live event: no reload, within 2 s of the answer.
  await open("#inspector?source=web");
  await page.waitForSelector("#live-state.on");
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
  const rows = await page.locator("#event-rows tr[data-id]").count();
  const sent = Date.now();
  assert.equal((await send(worker.url, WEB_KEY, [track("w-live", "Live One")])).status, 200);
  await page.waitForFunction((n) => document.querySelectorAll("#event-rows tr[data-id]").length > n, rows, { timeout: 2_000 + (Date.now() - sent) });
  assert.equal(await page.textContent("#event-rows tr[data-id] td:nth-child(3)"), "Live One");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
});

test("a rule edited on a captured event and published changes the next delivery; the versions list shows the diff and a rollback restores it", async () => {
  await open("#inspector?source=web&event=Signed%20Up");
  await page.waitForSelector("#event-rows tr[data-id]");
  await page.click("#event-rows tr[data-id] button");
  await page.click("text=Test a change on this event");
  await page.waitForFunction(() => window.__console.state.view === "try");
  await page.waitForSelector('#try-events input[data-index]:checked');
  await page.waitForFunction(() => document.getElementById("try-settings").value.includes("registration"));
  const settings = JSON.parse(await page.inputValue("#try-settings"));
  settings.mappings[0].eventType = "signup_v2";
  await page.fill("#try-settings", JSON.stringify(settings, null, 2));
  await page.click("#try-run");
  await page.waitForSelector("#try-summary");
  assert.equal(await page.getAttribute("#try-summary", "data-changed"), "1");
  assert.equal(await page.textContent(".pair-changed .diff-paths code"), "data.event_type");

  // A problem is shown at its path and its line.
  const broken = structuredClone(settings);
  broken.mappings[0].subscribe = "type = ";
  await page.fill("#try-settings", JSON.stringify(broken, null, 2));
  await page.click("#try-run");
  await page.waitForSelector("#try-problems li[data-problem]");
  assert.match(await page.getAttribute("#try-problems li[data-problem]", "data-problem"), /^sources\[0\]\.settings\.mappings\[0\]\.subscribe/);
  assert.equal(await page.locator("#try-problems button.link").count(), 1, "a link to the line");

  await page.fill("#try-settings", JSON.stringify(settings, null, 2));
  await page.fill("#publish-summary", "signup_v2");
  await page.click("#publish");
  await page.waitForSelector("#publish-result");
  assert.equal(await page.textContent("#publish-result"), "Published: version 2 is live.");
  await sleep(1_100); // CONFIG_CACHE_SECONDS
  const eventTypeOf = async (messageId) => {
    assert.equal((await send(worker.url, WEB_KEY, [track(messageId, "Signed Up", { properties: { plan: "free" } })])).status, 200);
    return eu.received.stored.find((c) => c.command_id === messageId).data.event_type;
  };
  assert.equal(await eventTypeOf("w-v2"), "signup_v2");

  await open("#versions");
  await page.waitForSelector('[data-version="2"]');
  await page.click('[data-diff="2"]');
  await page.waitForSelector("#diff-2 .change");
  assert.deepEqual(await page.locator("#diff-2 .change").evaluateAll((items) => items.map((li) => li.dataset.path)), ["sources.web.settings.mappings"]);
  await page.click('[data-rollback="1"]');
  await page.waitForSelector('[data-version="3"].live');
  await sleep(1_100);
  assert.equal(await eventTypeOf("w-v3"), "registration");
});

test("a dead letter (queue mode) is listed with its source and error, replayed, and its outcome shown", async () => {
  queueStandIn.setFaults({ rate: 1, kinds: ["500"] });
  const answer = await send(queueWorker.url, "queue-write-key-1", [track("q-1", "Parked")]);
  assert.equal(answer.status, 202, JSON.stringify(answer.json));
  await waitFor(async () => (await adminCall(queueWorker.url, "GET", "/admin/dead-letters")).json?.letters?.length === 1, "a dead letter", 60_000);
  queueStandIn.setFaults({});
  await signIn(page, queueWorker.url);
  await open("#dead-letters");
  await page.waitForSelector("tr[data-letter]");
  assert.equal(await page.textContent("tr[data-letter] td:nth-child(3)"), "default");
  assert.match(await page.textContent("tr[data-letter] .error-text"), /500/);
  await page.check("tr[data-letter] input[data-id]");
  await page.click("#replay-selected");
  await page.waitForSelector('[data-report="replay"]');
  assert.equal(await page.textContent("[data-report]"), "Replayed: 1 delivered.");
  assert.equal(await page.getAttribute("tr[data-letter] .outcome-cell", "data-outcome"), "delivered");
  assert.deepEqual([...storedIds(queueStandIn)], ["q-1"]);
  assert.equal((await adminCall(queueWorker.url, "GET", "/admin/dead-letters")).json.letters.length, 0);
});

test("keyboard and widths: views are reached by Tab and Enter with a visible focus, and nothing overflows at 1280 px or 390 px", async () => {
  // A fresh load (the focus starts at the top of the document) of the direct Worker's console.
  await page.goto(`${worker.url}/console/#overview`);
  await page.waitForSelector('[data-source="web"]');
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
  await page.keyboard.press("Tab"); // the header's home link
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.view), "overview");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none", "the focus is visible");
  for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.view), "versions");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.__console.state.view === "versions");
  // In the inspector, the arrows move between events and Enter opens one.
  await open("#inspector?source=web");
  await page.waitForSelector("#event-rows button[data-open]");
  await page.focus("#event-rows button[data-open]");
  await page.keyboard.press("ArrowDown");
  const second = await page.evaluate(() => document.querySelectorAll("#event-rows button[data-open]")[1].dataset.open);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.open), second);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`.event-detail[data-id="${second}"]`);
  assert.equal(await page.getAttribute(`#event-rows button[data-open="${second}"]`, "aria-current"), "true");

  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const view of ["overview", "inspector?source=web", "try?source=web", "versions", "dead-letters"]) {
      await open(`#${view}`);
      await page.waitForTimeout(400);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${view} at ${width} px overflows by ${overflow} px`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  if (process.env.CONSOLE_SCREENSHOTS) {
    // A dead letter to show: Bloomreach down for one event in queue mode.
    queueStandIn.setFaults({ rate: 1, kinds: ["500"] });
    await send(queueWorker.url, "queue-write-key-1", [track("q-2", "Checkout Failed")]);
    await waitFor(async () => (await adminCall(queueWorker.url, "GET", "/admin/dead-letters")).json?.letters?.length === 1, "a dead letter to show", 60_000);
    queueStandIn.setFaults({});
    await screenshotConsole(browser, worker.url, ADMIN_TOKEN, { queueOrigin: queueWorker.url });
  }
});

test("a hostile event, with markup in every field, renders as inert text in every view", async () => {
  await signIn();
  const hostile = {
    type: "track", messageId: HOSTILE, userId: HOSTILE, anonymousId: HOSTILE, event: HOSTILE, timestamp: "2026-01-05T10:00:00.000Z",
    properties: { [HOSTILE]: HOSTILE, nested: { list: [HOSTILE] } }, context: { page: { title: HOSTILE }, [HOSTILE]: HOSTILE }, traits: { name: HOSTILE },
  };
  const rejected = { ...hostile, type: HOSTILE, messageId: `${HOSTILE}-2` };
  assert.equal((await send(worker.url, WEB_KEY, [hostile, rejected])).status, 200);
  await open("#inspector?source=web");
  await page.waitForFunction((h) => [...document.querySelectorAll("#event-rows td")].some((td) => td.textContent === h), HOSTILE);
  for (const outcome of ["delivered", "rejected"]) {
    const row = page.locator(`#event-rows tr[data-outcome="${outcome}"]`).filter({ hasText: HOSTILE }).first();
    await row.locator("button").click();
    await page.waitForSelector(".event-detail");
    assert.ok((await page.textContent(".event-detail")).includes(HOSTILE));
  }
  await page.click("text=Test a change on this event");
  await page.waitForSelector("#try-events input[data-index]:checked");
  await page.click("#try-run");
  await page.waitForSelector("#try-summary");
  // A version whose summary and settings carry markup, in the versions list and its diff.
  const live = await adminCall(worker.url, "GET", "/admin/config/versions");
  const config = configuration();
  config.sources[1].settings = { consentCategories: { [HOSTILE]: "analytics" } };
  const published = await adminCall(worker.url, "POST", "/admin/config", { config, summary: HOSTILE, baseVersion: live.json.live });
  assert.equal(published.status, 201, JSON.stringify(published.json));
  await open("#versions");
  await page.waitForSelector(`[data-diff="${published.json.version}"]`);
  await page.click(`[data-diff="${published.json.version}"]`);
  await page.waitForSelector(`#diff-${published.json.version} .change`);
  assert.ok((await page.textContent(`[data-version="${published.json.version}"]`)).includes(HOSTILE));
  await open("#overview");
  await page.waitForSelector('[data-source="web"]');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.evaluate(() => document.querySelectorAll("img").length), 0);
  assert.deepEqual(problems, []);
});
