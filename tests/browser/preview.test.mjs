// Browser tests of the mapping preview (preview/): Debian's Chromium via playwright-core, checked against the npm package.
//
// Run: node --test --test-timeout=120000 tests/browser/   (needs `bash dev/build` first, for pkg/ and preview/segment-bloomreach/)
// PREVIEW_SCREENSHOT=1 also refreshes docs/preview.png.

import { test, before, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { chromium } from "playwright-core";
import { startStaticServer } from "./static-server.mjs";
import { CHROMIUM, SCREENSHOT, screenshotPreview } from "../../dev/screenshot-preview.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PREVIEW = path.join(ROOT, "preview");
const FIXTURES = path.join(ROOT, "tests", "fixtures");
const TEXT_FIELDS = ["apiBaseUrl", "apiKey", "apiSecret", "projectToken", "exponeaHardId", "exponeaSoftId"];
const BOOL_FIELDS = ["flattenNestedObjects", "trackSessionPing"];
const CALL_TYPES = ["page", "screen", "track", "identify", "alias", "group"];

let server;
let browser;
let page;
let pkg; // the npm package's Node build, the reference the page is checked against
const seen = []; // every request the page made

before(async () => {
  for (const built of ["preview/segment-bloomreach/index.js", "pkg/node/index.mjs"]) {
    assert.ok(existsSync(path.join(ROOT, built)), `run \`bash dev/build\` first: ${built} is missing`);
  }
  pkg = await import("../../pkg/node/index.mjs");
  server = await startStaticServer(PREVIEW);
  browser = await chromium.launch(CHROMIUM);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
  page = await context.newPage();
  page.on("request", (request) => seen.push({ url: request.url(), method: request.method(), postData: request.postData() }));
  page.on("websocket", (ws) => seen.push({ url: ws.url(), method: "WEBSOCKET", postData: null }));
  page.on("pageerror", (error) => seen.push({ url: "pageerror", method: "ERROR", postData: String(error) }));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") seen.push({ url: "console", method: "ERROR", postData: message.text() });
  });
});

// Every test starts from a freshly loaded page with nothing remembered, so one failure does not cascade.
beforeEach(async () => {
  if (page.url().startsWith(server.origin)) await page.evaluate(() => localStorage.clear());
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__preview?.snapshot().renders > 0, null, { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// ---------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const snapshot = () => page.evaluate(() => window.__preview.snapshot());

/** Polls the page's state until `ok(state)`; fails with the last state after `ms`. */
async function waitForState(ok, what, ms = 5000) {
  const deadline = Date.now() + ms;
  let state;
  for (;;) {
    state = await snapshot();
    if (ok(state)) return state;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last state: ${JSON.stringify({ text: state.text?.slice(0, 200), settings: state.settings, error: state.error })}`);
    await sleep(25);
  }
}

/**
 * The settings object the page hands to the package for these form values (empty apiBaseUrl /
 * apiSecret left out; `mappings`, the rules, only when there are any).
 */
function asPageSettings(form) {
  const settings = {};
  for (const key of TEXT_FIELDS) {
    const value = form[key] ?? "";
    if ((key === "apiBaseUrl" || key === "apiSecret") && value === "") continue;
    settings[key] = value;
  }
  for (const key of BOOL_FIELDS) settings[key] = Boolean(form[key]);
  if (form.mappings !== undefined) settings.mappings = form.mappings;
  return settings;
}

/** The settings form's values, and `mappings` read from the Rules editor (left out when it is empty). */
async function readForm() {
  const form = await page.evaluate(
    ([texts, bools]) => ({
      ...Object.fromEntries([...texts.map((k) => [k, document.getElementById(k).value]), ...bools.map((k) => [k, document.getElementById(k).checked])]),
      rules: document.getElementById("rules").value,
    }),
    [TEXT_FIELDS, BOOL_FIELDS],
  );
  const { rules, ...values } = form;
  if (rules.trim() !== "") values.mappings = JSON.parse(rules);
  return values;
}

const rulesText = (mappings) => (mappings === undefined ? "" : JSON.stringify(mappings, null, 2));

/** Fills the settings form and the Rules editor (only what differs) and waits until the output follows. */
async function setSettings(values) {
  const form = await readForm();
  for (const key of TEXT_FIELDS) {
    const want = values[key] ?? "";
    if (form[key] !== want) await page.fill(`#${key}`, want);
  }
  for (const key of BOOL_FIELDS) {
    const want = Boolean(values[key]);
    if (form[key] !== want) await page.setChecked(`#${key}`, want);
  }
  if (!isDeepStrictEqual(form.mappings, values.mappings)) await page.fill("#rules", rulesText(values.mappings));
  const expected = asPageSettings(values);
  return waitForState((s) => isDeepStrictEqual(s.settings, expected), "the settings to apply");
}

async function setEditor(text) {
  await page.fill("#json", text);
  return waitForState((s) => s.text === text, "the editor text to be mapped");
}

async function selectExample(id) {
  const before = (await snapshot()).renders;
  await page.selectOption("#example", id);
  return waitForState((s) => s.renders > before, `example ${id}`);
}

/** What the page shows: requests (URL, headers, parsed body) and each event's outcome, read from the DOM. */
async function rendered() {
  return page.evaluate(() => {
    const text = (root, selector) => root.querySelector(selector)?.textContent ?? null;
    const counts = Object.fromEntries([...document.querySelectorAll("[data-count]")].map((n) => [n.dataset.count, Number(n.textContent)]));
    const requests = [...document.querySelectorAll("#requests [data-request-index]")].map((card) => ({
      method: text(card, ".method"),
      url: text(card, ".url"),
      headers: Object.fromEntries([...card.querySelectorAll("dd[data-header]")].map((dd) => [dd.dataset.header, dd.textContent])),
      body: JSON.parse(text(card, "pre.body")),
    }));
    const events = [...document.querySelectorAll("#events [data-event-index]")].map((card) => {
      // One block per run of commands from one origin (a rule, or the classic mapping), labelled when there are rules.
      const blocks = [...card.querySelectorAll("pre.commands")].map((pre) => {
        const group = pre.closest(".origin-group");
        return { commands: JSON.parse(pre.textContent), origin: group ? (group.dataset.originKind === "classic" ? null : group.dataset.origin) : null, labelled: Boolean(group) };
      });
      const via = card.querySelector(".via");
      return {
        index: card.dataset.eventIndex,
        status: card.dataset.status,
        commands: blocks.flatMap((b) => b.commands),
        origins: blocks.flatMap((b) => b.commands.map(() => b.origin)),
        labelled: blocks.map((b) => b.labelled),
        takenBy: via ? JSON.parse(via.dataset.takenBy) : null,
        chips: via ? [...via.querySelectorAll("button.chip")].map((b) => b.textContent) : null,
        issue: card.querySelector(".issue") ? { code: card.querySelector(".issue").dataset.code, message: text(card, ".issue-message") } : null,
      };
    });
    return { counts, requests, events, problem: document.getElementById("problem").hidden ? null : document.getElementById("problem").textContent };
  });
}

const withParsedBodies = (result) => ({ ...result, requests: result.requests.map((r) => ({ ...r, body: JSON.parse(r.body) })) });

function maskedAuthorization(value) {
  if (value.startsWith("Basic ")) return "Basic ••••";
  const key = value.slice("Token ".length);
  return key.length >= 8 ? `Token ••••${key.slice(-4)}` : "Token ••••";
}

/** The name of each rule (RULES.md §2: `rule <index>` when it has none). */
const ruleNames = (mappings) => mappings.map((rule, i) => (typeof rule.name === "string" ? rule.name : `rule ${i}`));

/**
 * For each event of a body, the names of the rules whose subscription takes it, asked of the
 * package's matchesSubscription (the event with a batch's top-level context and integrations
 * added, its own keys winning, as the core applies them).
 */
function rulesTakingEach(text, mappings) {
  const body = JSON.parse(text);
  const batch = body && !Array.isArray(body) && Array.isArray(body.batch);
  const events = Array.isArray(body) ? body : batch ? body.batch : [body];
  const names = ruleNames(mappings);
  return events.map((event) => {
    if (!event || typeof event !== "object" || Array.isArray(event)) return [];
    const seen = { ...event };
    for (const field of batch ? ["context", "integrations"] : []) {
      const shared = body[field];
      if (!shared || typeof shared !== "object") continue;
      if (seen[field] === undefined || seen[field] === null) seen[field] = shared;
      else if (typeof seen[field] === "object" && !Array.isArray(seen[field])) seen[field] = { ...shared, ...seen[field] };
    }
    return mappings.flatMap((rule, i) => (pkg.matchesSubscription(rule.subscribe, seen) ? [names[i]] : []));
  });
}

/**
 * Checks the page's result and its rendering against the package for the current editor text and
 * form; `mappings` says which rules the page should be mapping with when the Rules editor's own
 * are not valid (`null`: none).
 */
async function assertMatchesPackage(label, { reveal = false, mappings } = {}) {
  const state = await snapshot();
  const text = await page.inputValue("#json");
  const form = mappings === undefined ? await readForm() : { ...(await readForm()), mappings: mappings ?? undefined };
  const settings = asPageSettings(form);
  assert.equal(state.text, text, `${label}: the page mapped the editor's text`);
  assert.deepEqual(state.settings, settings, `${label}: the page used the form's settings`);
  const expected = pkg.buildRequestsFromJson(text, settings);
  assert.deepEqual(state.result, expected, `${label}: the page's result is the package's`);

  const shown = await rendered();
  assert.equal(shown.requests.length, expected.requests.length, `${label}: one card per request`);
  expected.requests.forEach((request, i) => {
    const card = shown.requests[i];
    assert.equal(card.method, request.method, `${label}: request ${i} method`);
    assert.equal(card.url, request.url, `${label}: request ${i} URL`);
    assert.deepEqual(card.body, JSON.parse(request.body), `${label}: request ${i} body`);
    const auth = request.headers.Authorization;
    assert.deepEqual(card.headers, { ...request.headers, Authorization: reveal ? auth : maskedAuthorization(auth) }, `${label}: request ${i} headers`);
  });
  const allCommands = expected.requests.flatMap((r) => JSON.parse(r.body).commands);
  assert.deepEqual(shown.events.flatMap((e) => e.commands), allCommands, `${label}: every command shown once, under an event, in order`);
  assertOrigins(label, expected, shown.events, text, settings.mappings ?? []);
  for (const issue of [...expected.rejected, ...expected.skipped]) {
    const card = shown.events.find((e) => e.index === String(issue.index));
    assert.ok(card, `${label}: event ${issue.index} is shown`);
    assert.deepEqual(card.issue, { code: issue.code, message: issue.message }, `${label}: event ${issue.index}'s issue is shown at it`);
    assert.equal(card.commands.length, 0);
  }
  assert.deepEqual(
    shown.counts,
    {
      events: shown.events.length,
      requests: expected.requests.length,
      commands: allCommands.length,
      rejected: expected.rejected.length,
      skipped: expected.skipped.length,
    },
    `${label}: counts`,
  );
  return { expected, shown, state };
}

/**
 * Checks each event card against the package's result: the rule that made each command (its
 * `origins`, `null` for the classic mapping) and, with rules, the rules whose subscription takes
 * the event, each a button.
 */
function assertOrigins(label, expected, cards, text, rules) {
  const origins = new Map();
  for (const request of expected.requests) {
    request.events.forEach((event, k) => origins.set(event, [...(origins.get(event) ?? []), request.origins ? request.origins[k] : null]));
  }
  const taking = rules.length ? rulesTakingEach(text, rules) : [];
  for (const card of cards) {
    const index = Number(card.index);
    const made = origins.get(index) ?? [];
    assert.deepEqual(card.origins, made, `${label}: event ${index}: each command's rule, as the package's origins say`);
    if (!rules.length) {
      assert.equal(card.takenBy, null, `${label}: event ${index}: no rules, no "taken by" line`);
      assert.ok(card.labelled.every((l) => !l), `${label}: event ${index}: no rules, no origin labels`);
      continue;
    }
    assert.ok(card.labelled.every(Boolean), `${label}: event ${index}: with rules, every command block names its origin`);
    assert.deepEqual(card.takenBy, taking[index], `${label}: event ${index}: the rules that take it`);
    for (const origin of made) if (origin !== null) assert.ok(card.takenBy.includes(origin), `${label}: event ${index}: rule ${origin} made a command, so it took the event`);
    if (card.takenBy.length === 0) assert.ok(made.every((o) => o === null), `${label}: event ${index}: taken by no rule, so classic`);
    assert.deepEqual(card.chips, card.takenBy, `${label}: event ${index}: a button per rule that took it`);
  }
}

/** Fixture settings: the base merged with a case's own (a null value removes the key). */
function mergeSettings(base, own = {}) {
  const merged = { ...base };
  for (const [key, value] of Object.entries(own)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Whether the settings form can hold these settings exactly (strings in text fields, booleans in checkboxes, rules in the Rules editor). */
function formCanHold(settings) {
  for (const [key, value] of Object.entries(settings)) {
    if (key === "mappings") {
      if (!Array.isArray(value)) return false;
      continue;
    }
    if (TEXT_FIELDS.includes(key) ? typeof value !== "string" : BOOL_FIELDS.includes(key) ? typeof value !== "boolean" : true) return false;
  }
  return ["apiKey", "projectToken", "exponeaHardId", "exponeaSoftId"].every((key) => key in settings);
}

// ---------------------------------------------------------------- tests

test("the page loads with a Content-Security-Policy and the default example mapped", async () => {
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  const state = await snapshot();
  assert.equal(state.ready, true);
  assert.equal(await page.inputValue("#example"), "page");
  assert.equal(state.error, null);
  await assertMatchesPackage("default example");
});

test("each example: the requests shown are exactly the package's buildRequestsFromJson", async () => {
  const ids = await page.$$eval("#example option", (options) => options.map((o) => o.value).filter(Boolean));
  assert.ok(ids.length >= 8, `one example per call type, an Engage identify and a bad batch (got ${ids.join(", ")})`);
  const types = new Set();
  let rejected = 0;
  let skipped = 0;
  let batchBody = false;
  let engage = false;
  for (const id of ids) {
    await selectExample(id);
    const { expected } = await assertMatchesPackage(`example ${id}`);
    const text = await page.inputValue("#json");
    const value = JSON.parse(text);
    const events = Array.isArray(value) ? value : Array.isArray(value.batch) ? value.batch : [value];
    batchBody ||= Array.isArray(value.batch);
    engage ||= events.some((event) => event.type === "identify" && event.context?.personas?.computation_class === "audience");
    for (const event of events) types.add(event.type);
    rejected += expected.rejected.length;
    skipped += expected.skipped.length;
    assert.ok(expected.requests.length > 0, `example ${id} makes a request`);
  }
  for (const type of CALL_TYPES) assert.ok(types.has(type), `an example has a ${type} call`);
  assert.ok(batchBody, 'an example is a {"batch": [...]} body');
  assert.ok(rejected > 0 && skipped > 0, "an example shows rejected and skipped events");
  assert.ok(engage, "an Engage audience example (an identify with context.personas)");
});

test("a JSON syntax error shows its line and column, and the editor marks and can jump to the line", async () => {
  const text = '{\n  "type": "track",\n  "userId": "u-1",\n  "event" "Signed Up"\n}';
  let expected;
  try {
    pkg.buildRequestsFromJson(text, asPageSettings(await readForm()));
    assert.fail("the package should reject this JSON");
  } catch (error) {
    expected = error;
  }
  assert.equal(expected.code, "invalid_json");
  const state = await setEditor(text);
  assert.equal(state.error.code, "invalid_json");
  assert.equal(state.error.line, expected.line);
  assert.equal(state.error.column, expected.column);
  assert.equal(state.result, null);
  const where = `line ${expected.line}, column ${expected.column}`;
  assert.equal(where, "line 4, column 11");
  const problem = await page.textContent("#problem");
  assert.ok(problem.includes(where), `the message names ${where}: ${problem}`);
  assert.ok((await page.textContent("#json-error-inline")).includes(where));
  assert.equal(await page.textContent("#gutter .err"), String(expected.line));
  assert.equal(await page.getAttribute("#json", "aria-invalid"), "true");
  assert.equal(await page.isVisible("#editor .error-band"), true);
  const band = await page.evaluate(() => {
    const area = document.getElementById("json");
    const style = getComputedStyle(area);
    return { top: parseFloat(document.querySelector("#editor .error-band").style.top), expected: parseFloat(style.paddingTop) + 3 * parseFloat(style.lineHeight) - area.scrollTop };
  });
  assert.equal(band.top, band.expected, "the band sits on line 4");
  assert.equal((await rendered()).requests.length, 0);

  await page.click('#problem [data-goto="error"]');
  const caret = await page.evaluate(() => ({ focused: document.activeElement.id, at: document.getElementById("json").selectionStart }));
  assert.equal(caret.focused, "json");
  assert.equal(caret.at, text.indexOf('"Signed Up"'), "the caret is put at the column of the error");

  // A long document: the editor scrolls the error line into view.
  const long = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ type: "track", userId: `u${i}`, event: "E" })), null, 2).replace(/"event": "E"\n(?![\s\S]*"event": "E")/, '"event": "E",\n');
  const longState = await setEditor(long);
  assert.equal(longState.error.code, "invalid_json");
  assert.ok(longState.error.line > 290, `the error is far down (line ${longState.error.line})`);
  const view = await page.evaluate((line) => {
    const area = document.getElementById("json");
    const style = getComputedStyle(area);
    const top = parseFloat(style.paddingTop) + (line - 1) * parseFloat(style.lineHeight);
    return { top, scrollTop: area.scrollTop, height: area.clientHeight };
  }, longState.error.line);
  assert.ok(view.top >= view.scrollTop && view.top < view.scrollTop + view.height, `line ${longState.error.line} is scrolled into view (${JSON.stringify(view)})`);

  await selectExample("track");
  assert.equal((await snapshot()).error, null);
  assert.equal(await page.isVisible("#editor .error-band"), false);
  assert.equal(await page.locator("#gutter .err").count(), 0);
});

test("settings drive the output: flattening, session ping, and a secret switching to Basic auth", async () => {
  // flattenNestedObjects
  await selectExample("identify");
  let { expected } = await assertMatchesPackage("identify, flatten off");
  let properties = JSON.parse(expected.requests[0].body).commands[0].data.properties;
  assert.deepEqual(properties.address.city, "Prague");
  await page.setChecked("#flattenNestedObjects", true);
  await waitForState((s) => s.settings.flattenNestedObjects === true, "flatten on");
  ({ expected } = await assertMatchesPackage("identify, flatten on"));
  properties = JSON.parse(expected.requests[0].body).commands[0].data.properties;
  assert.equal(properties.address_city, "Prague");
  assert.equal(properties.preferences_channels_sms, false);
  assert.equal(properties.address, undefined);
  await page.setChecked("#flattenNestedObjects", false);
  await waitForState((s) => s.settings.flattenNestedObjects === false, "flatten off");

  // trackSessionPing: the page example has an anonymousId and the soft ID is `cookie`.
  await selectExample("page");
  ({ expected } = await assertMatchesPackage("page, no session ping"));
  assert.equal(JSON.parse(expected.requests[0].body).commands.length, 1);
  await page.setChecked("#trackSessionPing", true);
  await waitForState((s) => s.settings.trackSessionPing === true, "session ping on");
  const { shown } = await assertMatchesPackage("page, session ping");
  const commands = JSON.parse(pkg.buildRequestsFromJson(await page.inputValue("#json"), asPageSettings(await readForm())).requests[0].body).commands;
  assert.deepEqual(commands.map((c) => c.data.event_type), ["page_visit", "session_ping"]);
  assert.equal(commands[1].command_id, "ajs-page-7f3c2a91e4b84c1d:session_ping");
  assert.equal(shown.events.length, 1);
  assert.deepEqual(shown.events[0].commands, commands, "both commands are shown under the one page event");
  await page.setChecked("#trackSessionPing", false);
  await waitForState((s) => s.settings.trackSessionPing === false, "session ping off");

  // Token auth, masked; then apiSecret → Basic, masked; then revealed on request.
  let shownRequests = (await rendered()).requests;
  assert.equal(shownRequests[0].headers.Authorization, "Token ••••1234");
  const form = await readForm();
  await setSettings({ ...form, apiSecret: "demo-secret-5678" });
  ({ expected } = await assertMatchesPackage("page, with apiSecret"));
  const basic = expected.requests[0].headers.Authorization;
  assert.equal(basic, `Basic ${Buffer.from(`${form.apiKey}:demo-secret-5678`).toString("base64")}`);
  assert.equal((await rendered()).requests[0].headers.Authorization, "Basic ••••");
  assert.ok(!(await page.textContent("body")).includes("demo-secret-5678"), "the secret is not on screen");

  // Copy as curl, masked: the secrets come from environment variables.
  await page.click('#requests [data-request-index="0"] [data-copy="curl"]');
  let clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(clip.startsWith(`curl -X POST '${expected.requests[0].url}'`), clip);
  assert.ok(clip.includes(`-u "$BLOOMREACH_API_KEY:$BLOOMREACH_API_SECRET"`), clip);
  assert.ok(clip.includes(`--data-raw '${expected.requests[0].body.replace(/'/g, "'\\''")}'`), "the body is in the command, exactly");
  assert.ok(!clip.includes("demo-secret-5678") && !clip.includes(basic.slice(6)), "no secret in the masked curl command");

  // Copy body: exactly the request body.
  await page.click('#requests [data-request-index="0"] [data-copy="body"]');
  clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, expected.requests[0].body);

  // Show secrets: the real header, on screen and in curl.
  await page.setChecked("#show-secrets", true);
  await assertMatchesPackage("page, secrets shown", { reveal: true });
  assert.equal((await rendered()).requests[0].headers.Authorization, basic);
  await page.click('#requests [data-request-index="0"] [data-copy="curl"]');
  clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(clip.includes(`-H 'Authorization: ${basic}'`), clip);
  await page.setChecked("#show-secrets", false);

  // Secrets are never persisted; the other settings are.
  await page.setChecked("#flattenNestedObjects", true);
  await waitForState((s) => s.settings.flattenNestedObjects === true, "flatten on");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!stored.includes("demo-secret-5678"), "apiSecret is not in localStorage");
  assert.ok(!stored.includes(form.apiKey), "apiKey is not in localStorage");
  assert.ok(stored.includes("flattenNestedObjects"), "non-secret settings are remembered");

  await page.click("#reset-settings");
  const reset = await waitForState((s) => s.settings.apiSecret === undefined && s.settings.flattenNestedObjects === false, "reset");
  assert.equal(reset.settings.apiKey, form.apiKey);
  assert.equal((await rendered()).requests[0].headers.Authorization, "Token ••••1234");
});

test("an invalid setting shows its message next to the field", async () => {
  const form = await readForm();
  let problems;
  try {
    pkg.validateSettings(asPageSettings({ ...form, projectToken: "a/b" }));
    assert.fail("the package should reject projectToken a/b");
  } catch (error) {
    problems = error.problems;
  }
  const message = problems.find((p) => p.field === "projectToken").message;
  await setSettings({ ...form, projectToken: "a/b" });
  assert.equal(await page.textContent("#projectToken-error"), message);
  assert.equal(await page.getAttribute("#projectToken", "aria-invalid"), "true");
  assert.ok((await page.getAttribute("#projectToken", "aria-describedby")).split(" ").includes("projectToken-error"));
  assert.equal(await page.getAttribute("#apiKey", "aria-invalid"), null);
  assert.equal((await rendered()).requests.length, 0, "no request is shown while the settings are invalid");
  assert.match(await page.textContent("#problem"), /settings are not valid/);

  // Two problems at once, each at its own field; an empty apiBaseUrl takes the default.
  await setSettings({ ...form, projectToken: "a/b", apiKey: "", apiBaseUrl: "" });
  assert.equal(await page.textContent("#apiKey-error"), "is required");
  assert.equal(await page.textContent("#apiBaseUrl-error"), "");

  await setSettings(form);
  assert.equal(await page.textContent("#projectToken-error"), "");
  assert.equal(await page.getAttribute("#projectToken", "aria-invalid"), null);
  await assertMatchesPackage("settings restored");
});

test("the shared golden fixtures: the page maps each case as expected", async () => {
  const base = JSON.parse(readFileSync(path.join(FIXTURES, "settings.base.json"), "utf8"));
  const dir = path.join(FIXTURES, "mapping");
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((file) => JSON.parse(readFileSync(path.join(dir, file), "utf8")).cases.map((c) => ({ ...c, file })));
  assert.ok(cases.length > 0);

  // Batch the cases: one editor text per settings, with no messageId twice in a batch (that would add `#2`).
  const batches = [];
  const unfit = [];
  for (const testCase of cases) {
    const settings = mergeSettings(base, testCase.settings);
    if (!formCanHold(settings)) {
      unfit.push(testCase.name);
      continue;
    }
    const key = JSON.stringify(asPageSettings(settings));
    const id = testCase.event && typeof testCase.event === "object" && !Array.isArray(testCase.event) ? JSON.stringify(testCase.event.messageId ?? null) : null;
    let batch = batches.find((b) => b.key === key && (id === null || id === "null" || !b.ids.has(id)));
    if (!batch) batches.push((batch = { key, settings, cases: [], ids: new Set() }));
    batch.cases.push(testCase);
    if (id !== null && id !== "null") batch.ids.add(id);
  }
  assert.deepEqual(unfit, [], "every case's settings fit the form");

  let checked = 0;
  for (const batch of batches) {
    await setSettings(batch.settings);
    const events = batch.cases.map((c) => c.event);
    const text = JSON.stringify(events, null, 2);
    const state = await setEditor(text);
    assert.deepEqual(state.result, pkg.buildRequests(events, asPageSettings(batch.settings)), "the page's batch equals the package's buildRequests");
    if (events.length > 50) await page.click("#events .more button");
    const shown = (await rendered()).events;
    assertOrigins(`fixtures with settings ${batch.key}`, state.result, shown, text, batch.settings.mappings ?? []);
    batch.cases.forEach((testCase, index) => {
      const label = `${testCase.file}: ${testCase.name}`;
      const card = shown.find((e) => e.index === String(index));
      assert.ok(card, `${label}: shown`);
      const event = testCase.event;
      const hasId = event && typeof event === "object" && ((typeof event.messageId === "string" && event.messageId !== "") || typeof event.messageId === "number");
      // A lone event is event 0; here it is event `index`, which names it in messages and ID-less command IDs.
      const atIndex = (message) => message.replace(/^event 0\b/, `event ${index}`);
      if (testCase.expected) {
        const expected = testCase.expected.map((command) =>
          hasId ? command : { ...command, command_id: command.command_id.replace(/^event-0(?=$|[:#])/, `event-${index}`) },
        );
        assert.equal(card.status, "mapped", `${label}: mapped`);
        assert.deepEqual(card.commands, expected, `${label}: commands`);
      } else if (testCase.error) {
        assert.equal(card.status, "rejected", `${label}: rejected`);
        assert.deepEqual(card.issue, { code: testCase.error.code, message: atIndex(testCase.error.message) }, `${label}: rejection`);
      } else if (testCase.skipped) {
        assert.equal(card.status, "skipped", `${label}: skipped`);
        assert.deepEqual(card.issue, { code: testCase.skipped.code, message: atIndex(testCase.skipped.message) }, `${label}: skip`);
      } else {
        assert.fail(`${label}: a case needs expected, error or skipped`);
      }
      checked++;
    });
  }
  assert.equal(checked, cases.length, "every case, rules included, ran through the page");
  assert.ok(
    cases.some((c) => c.settings?.mappings),
    "the fixtures include rules (mappings), set through the Rules editor",
  );
});

test("batch fixtures, where there are any: the page's whole result is the expected one", async (t) => {
  const dir = path.join(FIXTURES, "batch");
  if (!existsSync(dir)) return t.skip("no tests/fixtures/batch/ yet");
  const base = JSON.parse(readFileSync(path.join(FIXTURES, "settings.base.json"), "utf8"));
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    for (const testCase of JSON.parse(readFileSync(path.join(dir, file), "utf8")).cases) {
      const settings = mergeSettings(base, testCase.settings);
      // The page reads text without an implied call type; cases that need one are for the Worker.
      if (testCase.impliedType || !testCase.expected || !formCanHold(settings)) continue;
      const text = typeof testCase.body === "string" ? testCase.body : JSON.stringify(testCase.events, null, 2);
      if (text.trim() === "") continue;
      await setSettings(settings);
      const state = await setEditor(text);
      assert.deepEqual(withParsedBodies(state.result), testCase.expected, `${file}: ${testCase.name}`);
      checked++;
    }
  }
  t.diagnostic(`${checked} batch cases checked in the browser`);
});

test("keyboard: Tab indents in the editor, Esc then Tab leaves it, and controls are reachable", async () => {
  await selectExample("alias");
  await page.focus("#json");
  await page.evaluate(() => document.getElementById("json").setSelectionRange(0, 0));
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "json", "Tab stays in the editor");
  assert.ok((await page.inputValue("#json")).startsWith("  {"), "Tab inserted two spaces");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement.id), "json", "Esc then Tab moves the focus on");
  // Every form control has a label; every button is a <button>.
  const unlabeled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")].filter((c) => !c.labels?.length && !c.getAttribute("aria-label") && !c.classList.contains("visually-hidden")).map((c) => c.id),
  );
  assert.deepEqual(unlabeled, []);
  // Code blocks that scroll can be reached (and scrolled) from the keyboard.
  await selectExample("page");
  const scrollers = await page.$$eval("pre.json", (pres) => pres.filter((p) => p.scrollHeight > p.clientHeight + 1 || p.scrollWidth > p.clientWidth + 1).map((p) => p.tabIndex));
  assert.ok(scrollers.length > 0 && scrollers.every((i) => i === 0), `scrolling code blocks are focusable (${scrollers})`);
  assert.deepEqual(await page.$$eval("[data-copy], [data-goto]", (nodes) => [...new Set(nodes.map((n) => n.tagName))]), ["BUTTON"]);
  await selectExample("page");
});

test("phone width: the layout stacks without horizontal scrolling; dark mode changes the colours", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
  try {
    const phone = await context.newPage();
    phone.on("request", (request) => seen.push({ url: request.url(), method: request.method(), postData: request.postData() }));
    await phone.goto(`${server.origin}/#batch`);
    await phone.waitForFunction(() => window.__preview?.snapshot().renders > 0);
    const layout = await phone.evaluate(() => {
      const input = document.querySelector(".input-panel").getBoundingClientRect();
      const output = document.querySelector(".output-panel").getBoundingClientRect();
      return { scrollWidth: document.documentElement.scrollWidth, stacked: output.top >= input.bottom, bg: getComputedStyle(document.body).backgroundColor };
    });
    assert.ok(layout.scrollWidth <= 390, `no horizontal scroll (${layout.scrollWidth})`);
    assert.equal(await phone.evaluate(() => document.getElementById("settings-box").open), false, "the settings start folded on a phone");
    await phone.click("#settings-box summary");
    assert.equal(await phone.isVisible("#projectToken"), true, "the summary unfolds the settings");
    await phone.keyboard.press("Enter"); // the summary keeps the focus: Enter folds them again
    assert.equal(await phone.isVisible("#projectToken"), false);
    await phone.evaluate(() => {
      const input = document.getElementById("projectToken");
      input.value = "a/b";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await phone.waitForFunction(() => document.getElementById("settings-box").open);
    assert.notEqual(await phone.textContent("#projectToken-error"), "", "a problem unfolds the settings to show its message");
    assert.ok(layout.stacked, "input above output");
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(layout.bg, light, "dark background in dark mode");
  } finally {
    await context.close();
  }
});

// The README's screenshot. Rendering is not byte-stable from run to run, so a plain test run writes
// to a temporary file (checking that it can be made); PREVIEW_SCREENSHOT=1 refreshes docs/preview.png.
test("a screenshot for the README (docs/preview.png with PREVIEW_SCREENSHOT=1)", async (t) => {
  const file = process.env.PREVIEW_SCREENSHOT === "1" ? SCREENSHOT : path.join(mkdtempSync(path.join(tmpdir(), "preview-")), "preview.png");
  await screenshotPreview(browser, server.origin, file);
  const size = statSync(file).size;
  assert.ok(size > 10_000 && size < 300_000, `${file} is ${size} bytes (the README's must stay under 300 KB)`);
  t.diagnostic(`screenshot: ${file}`);
});

test("no request leaves the page: only GETs of its own static files, nothing carrying event data", async () => {
  // A CSP check in a throwaway page: fetch to another origin is refused.
  const context = await browser.newContext();
  try {
    const probe = await context.newPage();
    await probe.goto(`${server.origin}/`);
    const refused = await probe.evaluate(() => fetch("http://example.com/", { method: "POST", body: "x" }).then(() => false, () => true));
    assert.equal(refused, true, "connect-src blocks other origins");
  } finally {
    await context.close();
  }

  assert.ok(seen.length > 0);
  const allowed = new Set(["/", ...readdirSync(PREVIEW).filter((f) => statSync(path.join(PREVIEW, f)).isFile()).map((f) => `/${f}`)]);
  assert.ok(allowed.has("/preview.js") && allowed.has("/rules.js"), "the page's modules are among its own files");
  for (const request of seen) {
    assert.notEqual(request.method, "ERROR", `no page error or console error/warning (a CSP violation would be one): ${request.postData}`);
    assert.equal(request.method, "GET", `only GET requests: ${request.method} ${request.url}`);
    assert.equal(request.postData, null, `no request body: ${request.url}`);
    const url = new URL(request.url);
    assert.equal(url.origin, server.origin, `only the static server: ${request.url}`);
    assert.equal(url.search, "", `no query string: ${request.url}`);
    assert.ok(allowed.has(url.pathname) || url.pathname.startsWith("/segment-bloomreach/"), `only the page's own files: ${url.pathname}`);
  }
  assert.ok(server.requests.every((r) => r.method === "GET"), "the server saw GETs only");
});
