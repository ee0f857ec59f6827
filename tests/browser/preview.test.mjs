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
const BOOL_FIELDS = ["flattenNestedObjects", "trackSessionPing", "ecommerceEvents"];
/** The consent settings, written as text in the form: consentCategories as JSON, requiredConsentCategories as IDs separated by commas. */
const CONSENT_FIELDS = ["consentCategories", "requiredConsentCategories"];
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

/** The text the form holds for a consent setting's value (none: empty). */
const consentText = (value) => (value === undefined ? "" : JSON.stringify(value, null, 2));
const requiredText = (ids) => (ids === undefined ? "" : ids.join(", "));
/** requiredConsentCategories as the page reads its text: split at commas, trimmed; empty text: left out. */
const requiredIds = (text) => (text.trim() === "" ? undefined : text.split(",").map((id) => id.trim()));

/**
 * The settings object the page hands to the package for these form values (empty apiBaseUrl /
 * apiSecret left out; `mappings`, the rules, only when there are any; the consent settings only
 * when their text is not empty).
 */
function asPageSettings(form) {
  const settings = {};
  for (const key of TEXT_FIELDS) {
    const value = form[key] ?? "";
    if ((key === "apiBaseUrl" || key === "apiSecret") && value === "") continue;
    settings[key] = value;
  }
  for (const key of BOOL_FIELDS) settings[key] = Boolean(form[key]);
  if (form.consentCategories !== undefined) settings.consentCategories = form.consentCategories;
  const required = requiredIds(requiredText(form.requiredConsentCategories));
  if (required !== undefined) settings.requiredConsentCategories = required;
  if (form.mappings !== undefined) settings.mappings = form.mappings;
  return settings;
}

/**
 * The settings form's values, `consentCategories` read from its editor and `mappings` from the
 * Rules editor (each left out when empty), `requiredConsentCategories` as a list.
 */
async function readForm() {
  const form = await page.evaluate(
    ([texts, bools, consent]) => ({
      ...Object.fromEntries([...texts.map((k) => [k, document.getElementById(k).value]), ...bools.map((k) => [k, document.getElementById(k).checked])]),
      ...Object.fromEntries(consent.map((k) => [k, document.getElementById(k).value])),
      rules: document.getElementById("rules").value,
    }),
    [TEXT_FIELDS, BOOL_FIELDS, CONSENT_FIELDS],
  );
  const { rules, consentCategories, requiredConsentCategories, ...values } = form;
  const required = requiredIds(requiredConsentCategories);
  if (required !== undefined) values.requiredConsentCategories = required;
  if (consentCategories.trim() !== "") {
    try {
      values.consentCategories = JSON.parse(consentCategories);
    } catch {
      values.consentUnreadable = true;
    }
  }
  if (rules.trim() === "") return values;
  try {
    values.mappings = JSON.parse(rules);
  } catch {
    values.rulesUnreadable = true; // a syntax error in the Rules editor: the caller says which rules apply
  }
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
  if (form.consentUnreadable || !isDeepStrictEqual(form.consentCategories, values.consentCategories)) await page.fill("#consentCategories", consentText(values.consentCategories));
  const required = requiredText(values.requiredConsentCategories);
  if ((await page.inputValue("#requiredConsentCategories")) !== required) await page.fill("#requiredConsentCategories", required);
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
        return {
          commands: JSON.parse(pre.textContent),
          origin: group ? (group.dataset.originKind === "classic" ? null : group.dataset.origin) : null,
          labelled: Boolean(group),
          kind: group ? group.dataset.originKind : null,
          label: group ? group.querySelector(".origin .chip").textContent : null,
        };
      });
      const via = card.querySelector(".via");
      return {
        index: card.dataset.eventIndex,
        status: card.dataset.status,
        commands: blocks.flatMap((b) => b.commands),
        origins: blocks.flatMap((b) => b.commands.map(() => b.origin)),
        kinds: blocks.flatMap((b) => b.commands.map(() => b.kind)),
        labels: blocks.flatMap((b) => b.commands.map(() => b.label)),
        labelled: blocks.map((b) => b.labelled),
        takenBy: via ? JSON.parse(via.dataset.takenBy) : null,
        chips: via ? [...via.querySelectorAll("button.chip")].map((b) => b.textContent) : null,
        via: via ? via.textContent : null,
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

/** The track event Segment's Consent Management sends when preferences change (README, "Consent"). */
const CONSENT_EVENT = "Segment Consent Preference Updated";

/** Whether the consent preset takes the event, so that no rule sees it (README, "Consent"). */
const consentPresetTakes = (event, settings) =>
  Object.keys(settings.consentCategories ?? {}).length > 0 && event?.type === "track" && event.event === CONSENT_EVENT;

/**
 * For each event of a body, the names of the rules whose subscription takes it, asked of the
 * package's matchesSubscription (the event with a batch's top-level context and integrations
 * added, its own keys winning, as the core applies them); none for an event the consent preset takes.
 */
function rulesTakingEach(text, mappings, settings) {
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
    if (consentPresetTakes(seen, settings)) return [];
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
  assert.ok(!form.rulesUnreadable || mappings !== undefined, `${label}: with a syntax error in the rules, say which rules apply`);
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
  assertOrigins(label, expected, shown.events, text, settings);
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
 * The `origins` labels of the preset rows, as the book's Presets chapter (docs/presets.md) lists them: each
 * e-commerce row's (the table's last column) and the consent preset's.
 */
const PRESET_LABELS = (() => {
  const section = readFileSync(path.join(ROOT, "docs/presets.md"), "utf8");
  const ecommerce = [...section.matchAll(/`(ecommerce: [^`]+ → [^`]+)`/g)].map((m) => m[1]);
  const consent = [...section.matchAll(/Its `origins` label is `([^`]+)`/g)].map((m) => m[1]);
  assert.equal(consent.length, 1, "the Presets chapter names the consent preset's origins label");
  assert.ok(ecommerce.length >= 9, "the Presets chapter lists the e-commerce preset's origins labels");
  return { ecommerce: new Set(ecommerce), consent: consent[0] };
})();

/**
 * What made a command, from its `origins` label: the classic mapping (null), a preset row (a
 * label the README lists, its setting on; no rule may take such a name), or a rule; and the label
 * the page gives it.
 */
function originOf(origin, settings) {
  if (origin === null) return { kind: "classic", label: "classic mapping" };
  if (settings.ecommerceEvents && PRESET_LABELS.ecommerce.has(origin)) {
    return { kind: "preset", label: `preset: ${origin.slice("ecommerce: ".length)}` };
  }
  if (origin === PRESET_LABELS.consent && Object.keys(settings.consentCategories ?? {}).length) return { kind: "preset", label: "preset: consent" };
  return { kind: "rule", label: origin };
}

/**
 * Checks each event card against the package's result: the rule or preset row that made each
 * command (its `origins`, `null` for the classic mapping), a preset row marked apart from the
 * rules, and, with rules, the rules whose subscription takes the event, each a button.
 */
function assertOrigins(label, expected, cards, text, settings) {
  const rules = settings.mappings ?? [];
  const origins = new Map();
  for (const request of expected.requests) {
    request.events.forEach((event, k) => origins.set(event, [...(origins.get(event) ?? []), request.origins ? request.origins[k] : null]));
  }
  const taking = rules.length ? rulesTakingEach(text, rules, settings) : [];
  for (const card of cards) {
    const index = Number(card.index);
    const made = origins.get(index) ?? [];
    assert.deepEqual(card.origins, made, `${label}: event ${index}: each command's rule or preset row, as the package's origins say`);
    const labelled = rules.length > 0 || made.some((o) => o !== null);
    assert.deepEqual(card.labelled, card.labelled.map(() => labelled), `${label}: event ${index}: with rules or a preset's command, every command block names its origin; else none`);
    if (labelled) {
      const of = made.map((o) => originOf(o, settings));
      assert.deepEqual([card.kinds, card.labels], [of.map((o) => o.kind), of.map((o) => o.label)], `${label}: event ${index}: what made each command, a preset row marked as one`);
    }
    if (!rules.length) {
      assert.equal(card.takenBy, null, `${label}: event ${index}: no rules, no "taken by" line`);
      continue;
    }
    assert.deepEqual(card.takenBy, taking[index], `${label}: event ${index}: the rules that take it`);
    for (const origin of made) if (originOf(origin, settings).kind === "rule") assert.ok(card.takenBy.includes(origin), `${label}: event ${index}: rule ${origin} made a command, so it took the event`);
    if (card.takenBy.length === 0) assert.ok(made.every((o) => originOf(o, settings).kind !== "rule"), `${label}: event ${index}: taken by no rule, so classic or a preset`);
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

/**
 * Whether the settings form can hold these settings exactly (strings in text fields, booleans in
 * checkboxes, rules in the Rules editor, consentCategories in its editor, and
 * requiredConsentCategories when written with commas reads back the same, `[]` as none).
 */
function formCanHold(settings) {
  for (const [key, value] of Object.entries(settings)) {
    if (key === "mappings") {
      if (!Array.isArray(value)) return false;
      continue;
    }
    if (key === "consentCategories") continue;
    if (key === "requiredConsentCategories") {
      if (!Array.isArray(value) || !value.every((id) => typeof id === "string") || !isDeepStrictEqual(requiredIds(requiredText(value)) ?? [], value)) return false;
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

test("the presets' examples: each turns on its settings, and shows the package's buildRequests for its events, each command under its preset row", async () => {
  const { EXAMPLES } = await import("../../preview/examples.js");
  const examples = EXAMPLES.filter((x) => x.settings);
  const start = await readForm();
  const events = new Set();
  const seen = { purchaseItems: 0, cart: new Set(), refund: false, consent: 0, denied: false };
  for (const example of examples) {
    // From the defaults each time, so each example's settings alone are what it needs.
    await page.click("#reset-settings");
    await waitForState((s) => isDeepStrictEqual(s.settings, asPageSettings(start)), "the default settings");
    const state = await selectExample(example.id);
    const settings = asPageSettings({ ...start, ...example.settings });
    assert.deepEqual(state.settings, settings, `${example.id}: the form holds the example's settings`);
    const value = Array.isArray(example.value) ? example.value : [example.value];
    assert.deepEqual(state.result, pkg.buildRequests(value, settings), `${example.id}: the page's result is the package's buildRequests for its events and settings`);
    const { expected, shown } = await assertMatchesPackage(`presets example ${example.id}`);
    assert.equal(await page.textContent("#example-hint"), example.hint);
    assert.ok(expected.requests.flatMap((r) => r.origins ?? []).some((o) => o !== null && originOf(o, settings).kind === "preset"), `${example.id}: a preset row made a command`);
    for (const event of value) events.add(event.event);
    for (const card of shown.events) {
      card.commands.forEach((command, k) => {
        const { event_type: type, properties } = command.data;
        seen.purchaseItems += type === "purchase_item" && card.kinds[k] === "preset" ? 1 : 0;
        if (type === "cart_update") seen.cart.add(properties.action);
        seen.refund ||= type === "purchase" && properties.purchase_status === "refund";
        seen.consent += type === "consent" && card.labels[k] === "preset: consent" ? 1 : 0;
      });
      seen.denied ||= card.issue?.code === "consent_denied";
    }
  }
  for (const name of ["Order Completed", "Product Added", "Product Removed", "Order Refunded", CONSENT_EVENT]) assert.ok(events.has(name), `an example has a ${name} event`);
  assert.deepEqual(
    { ...seen, cart: [...seen.cart].sort(), purchaseItems: seen.purchaseItems > 2, consent: seen.consent > 1 },
    { purchaseItems: true, cart: ["add", "remove"], refund: true, consent: true, denied: true },
    "the examples show an order of several products, a cart change both ways, a refund, consent events and an event denied for want of consent",
  );

  // With a rule that takes every track event: the preset rows before it, and none for the consent-preference event, which no rule sees.
  await selectExample("consent");
  await setSettings({ ...(await readForm()), ecommerceEvents: true, mappings: [{ name: "every track", subscribe: 'type = "track"', eventType: "any_track" }] });
  const { shown } = await assertMatchesPackage("the consent example with a rule for every track event");
  assert.deepEqual(
    shown.events.map((card) => [card.takenBy, card.via]),
    [
      [[], "Taken by no rule: classic mapping"],
      [[], "Taken by no rule (no rule sees a consent-preference event): preset: consent"],
      [["every track"], "Taken by the rule every track"],
    ],
  );
  await selectExample("ecommerce-refund");
  assert.deepEqual(
    (await rendered()).events[0].labels,
    ["preset: Order Refunded → purchase", "preset: Order Refunded → purchase_item", "every track"],
    "the preset rows, then the rule",
  );
  await setSettings({ ...(await readForm()), mappings: undefined });

  // A preset example's settings are remembered like the others; a plain example leaves them on.
  await selectExample("consent");
  await selectExample("track");
  await page.reload();
  await page.waitForFunction(() => window.__preview?.snapshot().renders > 0);
  const consent = examples.find((x) => x.id === "consent");
  assert.deepEqual((await snapshot()).settings, asPageSettings({ ...start, ...consent.settings, ecommerceEvents: true }), "the presets' settings survive a reload");
  assert.equal(await page.inputValue("#consentCategories"), JSON.stringify(consent.settings.consentCategories, null, 2));
  await assertMatchesPackage("the page example with the consent settings remembered");
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

/** The problems validateSettings finds in these settings (none: []). */
function problemsOf(settings) {
  try {
    pkg.validateSettings(settings);
    return [];
  } catch (error) {
    return error.problems;
  }
}

/** What a field's message says for its problems: each at its path when inside the setting, joined. */
const fieldMessage = (key, problems) =>
  problems
    .filter((p) => p.field === key || p.field.startsWith(`${key}.`) || p.field.startsWith(`${key}[`))
    .map((p) => (p.field === key ? p.message : `${p.field}: ${p.message}`))
    .join("; ");

test("the presets' settings: each problem shown at its field with its path, consentCategories' lines marked, a JSON syntax error at its line and column", async () => {
  const form = await readForm();
  // The settings fixture's every-problem case: what the form can hold of it.
  const fixture = JSON.parse(readFileSync(path.join(FIXTURES, "settings", "validation.json"), "utf8")).cases.find((c) => c.name.startsWith("every problem of the presets' settings"));
  const consentCategories = fixture.input.consentCategories;
  const requiredText = "Analytics, , C0002";
  await setSettings({ ...form, consentCategories });
  await page.fill("#requiredConsentCategories", requiredText);
  const settings = asPageSettings({ ...form, consentCategories, requiredConsentCategories: requiredIds(requiredText) });
  const state = await waitForState((s) => isDeepStrictEqual(s.settings, settings), "the bad consent settings");
  const problems = problemsOf(settings);
  assert.deepEqual(state.settingsProblems, problems, "the page's problems are the package's");
  assert.ok(problems.some((p) => p.field === "consentCategories.Advertising" && /lowercase/.test(p.message)), "an uppercase Bloomreach ID is a problem (must be lowercase)");
  for (const key of CONSENT_FIELDS) {
    assert.notEqual(fieldMessage(key, problems), "", `${key} has problems`);
    assert.equal(await page.textContent(`#${key}-error`), fieldMessage(key, problems), `${key}: its problems, each at its path`);
    assert.equal(await page.getAttribute(`#${key}`, "aria-invalid"), "true");
    assert.ok((await page.getAttribute(`#${key}`, "aria-describedby")).split(" ").includes(`${key}-error`));
  }
  assert.equal(await page.textContent("#settings-error"), "", "no problem is left without its field");
  assert.equal(await page.textContent("#settings-summary"), `${problems.length} problems to fix`);
  // Each problem of consentCategories marks the line of its key (the Segment category's).
  const text = await page.inputValue("#consentCategories");
  const keyOf = (field) => {
    const rest = field.slice("consentCategories".length); // .Advertising or [""]
    return rest.startsWith(".") ? rest.slice(1) : JSON.parse(rest.slice(1, -1));
  };
  const lines = problems.filter((p) => p.field.startsWith("consentCategories")).map((p) => lineOf(text, `${JSON.stringify(keyOf(p.field))}:`));
  assert.deepEqual(await page.$$eval("#consentCategories-gutter .err", (nodes) => nodes.map((n) => Number(n.textContent))), [...new Set(lines)].sort((a, b) => a - b));
  assert.equal((await rendered()).requests.length, 0, "no request while the settings are invalid");
  assert.match(await page.textContent("#problem"), /settings are not valid/);

  // A JSON syntax error: at the line and column the core reports, the line marked.
  const broken = '{\n  "Advertising": "marketing"\n  "Analytics": "analytics"\n}';
  let syntax;
  try {
    pkg.buildRequestsFromJson(broken, asPageSettings(form));
    assert.fail("the package should refuse this JSON");
  } catch (error) {
    syntax = error;
  }
  await page.fill("#consentCategories", broken);
  await page.fill("#requiredConsentCategories", "");
  await waitForState((s) => s.settingsProblems.length === 1 && s.settingsProblems[0].field === "consentCategories", "the syntax error");
  const shownError = await page.textContent("#consentCategories-error");
  assert.equal(shownError, `JSON syntax error at line ${syntax.line}, column ${syntax.column}: ${syntax.message.replace(/^the body is not valid JSON: /, "").replace(/ \(line \d+, column \d+\)$/, "")}`);
  assert.deepEqual(await page.$$eval("#consentCategories-gutter .err", (nodes) => nodes.map((n) => Number(n.textContent))), [syntax.line]);
  assert.equal((await snapshot()).settings.consentCategories, undefined, "unreadable JSON is not handed to the package");

  // Fixed: no problem left, and the output is the package's with the presets on.
  const good = { ...form, ecommerceEvents: true, consentCategories: { Advertising: "marketing" }, requiredConsentCategories: ["Advertising"] };
  await setSettings(good);
  for (const key of [...CONSENT_FIELDS, "ecommerceEvents"]) {
    assert.equal(await page.textContent(`#${key}-error`), "");
    assert.equal(await page.getAttribute(`#${key}`, "aria-invalid"), null);
  }
  assert.equal(await page.locator("#consentCategories-gutter .err").count(), 0);
  assert.match(await page.textContent("#settings-summary"), /e-commerce preset on · consent preset on · consent required$/);
  await selectExample("ecommerce-order");
  await assertMatchesPackage("an order with the presets on");
  // Reset to defaults turns the presets off again.
  await page.click("#reset-settings");
  const reset = await waitForState((s) => s.settings.ecommerceEvents === false && s.settings.consentCategories === undefined, "reset");
  assert.equal(reset.settings.requiredConsentCategories, undefined);
  assert.deepEqual([await page.inputValue("#consentCategories"), await page.inputValue("#requiredConsentCategories")], ["", ""]);
  await assertMatchesPackage("an order with the presets reset");
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
    assertOrigins(`fixtures with settings ${batch.key}`, state.result, shown, text, asPageSettings(batch.settings));
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
        // What made each command, where the case says (null: the request has no origins, all classic).
        if ("origins" in testCase) assert.deepEqual(card.origins, testCase.origins ?? expected.map(() => null), `${label}: origins`);
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
  assert.equal(checked, cases.length, "every case, rules and presets included, ran through the page");
  assert.ok(
    cases.some((c) => c.settings?.mappings),
    "the fixtures include rules (mappings), set through the Rules editor",
  );
  assert.ok(
    ["ecommerceEvents", "consentCategories", "requiredConsentCategories"].every((key) => cases.some((c) => c.settings?.[key] !== undefined)),
    "the fixtures include every preset setting, set through the settings form",
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

// ---------------------------------------------------------------- the Rules panel

/** Fills the Rules editor and waits until the page has read that text and mapped with it. */
async function setRules(text) {
  await page.fill("#rules", text);
  return waitForState((s) => s.rules?.text === text && s.timings !== null, "the rules to be read");
}

/** The problems the Rules panel lists, and the lines its gutter marks. */
async function shownRuleProblems() {
  return page.evaluate(() => ({
    items: [...document.querySelectorAll("#rules-problems li")].map((li) => ({ path: li.dataset.problem, line: Number(li.dataset.line), text: li.textContent })),
    gutter: [...document.querySelectorAll("#rules-gutter .err")].map((n) => Number(n.textContent)),
    bands: [...document.querySelectorAll("#rules-editor .error-band")].filter((b) => !b.hidden).length,
    invalid: document.getElementById("rules").getAttribute("aria-invalid"),
    summary: document.getElementById("rules-summary").textContent,
    notice: document.getElementById("rules-notice").hidden ? null : { applied: document.getElementById("rules-notice").dataset.applied, text: document.getElementById("rules-notice").textContent },
  }));
}

/** The 1-based line of the first line of `text` that includes `needle` (after `from`, a line number). */
function lineOf(text, needle, from = 0) {
  const lines = text.split("\n");
  const at = lines.findIndex((line, i) => i >= from && line.includes(needle));
  assert.ok(at >= 0, `${needle} is in the text`);
  return at + 1;
}

test("rules examples: one click applies each, the page maps as the package does, and each event says which rule took it", async () => {
  const { EXAMPLES, RULE_EXAMPLES } = await import("../../preview/examples.js");
  // No rules at first: the classic mapping, and nothing on the page about rules but the empty panel.
  let state = await snapshot();
  assert.equal(state.rules.empty, true);
  assert.equal(state.settings.mappings, undefined);
  assert.equal((await shownRuleProblems()).notice, null);
  assert.equal(await page.locator("#events .via").count(), 0);
  assert.equal(await page.isVisible("#rules"), true, "the Rules editor is there to type into");

  const ids = await page.$$eval("[data-rule-example]", (buttons) => buttons.map((b) => b.dataset.ruleExample));
  assert.deepEqual(ids, RULE_EXAMPLES.map((x) => x.id));
  const seen = { ruleAndClassic: false, noRule: false, perLine: false, customer: false };
  for (const example of RULE_EXAMPLES) {
    const events = JSON.stringify(EXAMPLES.find((x) => x.id === example.events).value, null, 2);
    await page.click(`[data-rule-example="${example.id}"]`);
    state = await waitForState((s) => isDeepStrictEqual(s.settings?.mappings, example.value) && s.text === events, `rules example ${example.id}`);
    assert.equal(await page.inputValue("#example"), example.events, `${example.id}: the events it was made for are loaded`);
    assert.equal(await page.inputValue("#rules"), JSON.stringify(example.value, null, 2));
    assert.equal(await page.textContent("#rules-example-hint"), example.hint);
    const { expected, shown } = await assertMatchesPackage(`rules example ${example.id}`);
    assert.ok(expected.requests.some((r) => r.origins?.some((o) => o !== null)), `${example.id}: a rule made a command`);
    const problems = await shownRuleProblems();
    assert.deepEqual(problems.items, []);
    assert.equal(problems.notice.applied, "current");
    for (const name of ruleNames(example.value)) assert.ok(problems.notice.text.includes(`“${name}”`), `the notice names rule ${name}`);
    assert.equal(problems.summary, example.value.length === 1 ? "1 rule" : `${example.value.length} rules`);
    for (const card of shown.events) {
      seen.ruleAndClassic ||= card.origins.includes(null) && card.origins.some((o) => o !== null);
      seen.noRule ||= card.takenBy.length === 0;
      seen.perLine ||= card.origins.filter((o) => o !== null).length > 1;
      seen.customer ||= card.commands.some((c, i) => c.name === "customers" && card.origins[i] !== null);
    }
  }
  assert.deepEqual(seen, { ruleAndClassic: true, noRule: true, perLine: true, customer: true }, "the examples show a rename next to the classic mapping, one event per order line (with keepDefault), and a customer update");

  // With the user's own input, an example keeps it and offers the events it was made for.
  const own = JSON.stringify({ type: "track", userId: "u-1", event: "Order Completed", properties: { order_id: "o-9", products: [{ product_id: "p1" }] } }, null, 2);
  await setEditor(own);
  await page.click('[data-rule-example="customer"]');
  await waitForState((s) => s.settings.mappings?.[0]?.name === "crm profile", "the customer example");
  assert.equal(await page.inputValue("#json"), own, "the user's input is kept");
  await assertMatchesPackage("own input with the customer rules");
  await page.click("[data-load-example]");
  await waitForState((s) => s.text === JSON.stringify(EXAMPLES.find((x) => x.id === "identify").value, null, 2), "the identify example");
  await assertMatchesPackage("the customer rules on their example");
});

test("rules problems: each at its path with its line marked, the output on the last valid rules; a syntax error at its line and column", async () => {
  await selectExample("track");
  const { RULE_EXAMPLES } = await import("../../preview/examples.js");
  const good = RULE_EXAMPLES.find((x) => x.id === "order-lines").value;
  await page.click('[data-rule-example="order-lines"]');
  await waitForState((s) => isDeepStrictEqual(s.settings.mappings, good), "the order-lines rules");
  const settings = asPageSettings(await readForm());

  const bad = [
    { name: "renamed", eventType: "purchase" },
    { name: "totals", subscribe: 'event = "Order Completed"', eventType: "order_total", properties: { total: { "@nope": "$.properties.total" } } },
  ];
  const text = JSON.stringify(bad, null, 2);
  let problems;
  try {
    pkg.validateSettings({ ...settings, mappings: bad });
    assert.fail("the package should refuse these rules");
  } catch (error) {
    problems = error.problems;
  }
  assert.deepEqual(problems.map((p) => p.field), ["mappings[0].subscribe", "mappings[1].properties.total"]);
  let state = await setRules(text);
  assert.equal(state.rules.valid, false);
  assert.equal(state.rules.applied, "last-valid");
  // A required key left out is marked at its rule; a wrong value at its key.
  const lines = [lineOf(text, "{"), lineOf(text, '"total"')];
  let shown = await shownRuleProblems();
  assert.deepEqual(
    shown.items,
    problems.map((p, i) => ({ path: p.field, line: lines[i], text: `line ${lines[i]} ${p.field}: ${p.message}` })),
    "each problem at its path, with its line",
  );
  assert.deepEqual(shown.gutter, lines);
  assert.equal(shown.bands, 2);
  assert.equal(shown.invalid, "true");
  assert.equal(shown.summary, "2 problems to fix");
  assert.equal(shown.notice.applied, "last-valid");
  assert.match(shown.notice.text, /The rules have 2 problems\. Showing the output of the last valid rules\./);
  await assertMatchesPackage("bad rules: the last valid ones apply", { mappings: good });

  await page.click("#rules-problems li:nth-child(2) button");
  let caret = await page.evaluate(() => ({ focused: document.activeElement.id, at: document.getElementById("rules").selectionStart }));
  assert.deepEqual(caret, { focused: "rules", at: text.indexOf('"total"') }, "the problem's button puts the caret on its key");

  // A JSON syntax error: its line and column as the core reports them, the output unchanged.
  const broken = text.replace('"name": "totals",', '"name": "totals"');
  let syntax;
  try {
    pkg.buildRequestsFromJson(broken, settings);
  } catch (error) {
    syntax = error;
  }
  assert.equal(syntax.code, "invalid_json");
  state = await setRules(broken);
  assert.deepEqual([state.rules.syntax.line, state.rules.syntax.column], [syntax.line, syntax.column]);
  shown = await shownRuleProblems();
  assert.deepEqual(shown.items.map((i) => [i.path, i.line]), [["syntax", syntax.line]]);
  assert.deepEqual(shown.gutter, [syntax.line]);
  assert.equal(shown.summary, "1 problem to fix");
  assert.ok((await page.textContent("#rules-problems")).includes(`line ${syntax.line}, column ${syntax.column}`));
  await assertMatchesPackage("rules with a syntax error: the last valid ones apply", { mappings: good });
  await page.click("#rules-notice [data-goto=rules]");
  caret = await page.evaluate(() => ({ focused: document.activeElement.id, at: document.getElementById("rules").selectionStart }));
  assert.equal(caret.focused, "rules");
  assert.equal(caret.at, broken.split("\n").slice(0, syntax.line - 1).join("\n").length + syntax.column, "the notice's button goes to the error");

  // Fixed: the output follows the new rules at once.
  const fixed = [{ ...bad[0], subscribe: 'event = "Order Completed"' }, { ...bad[1], properties: { total: { "@path": "$.properties.total" } } }];
  await setSettings({ ...(await readForm()), mappings: fixed });
  shown = await shownRuleProblems();
  assert.deepEqual([shown.items, shown.gutter, shown.invalid, shown.notice.applied], [[], [], null, "current"]);
  await assertMatchesPackage("fixed rules");

  // A draft with a problem is remembered too; after a reload there are no valid rules yet: the classic mapping, said so.
  await setRules(text);
  await page.reload();
  await page.waitForFunction(() => window.__preview?.snapshot().renders > 0);
  state = await snapshot();
  assert.equal(state.rules.text, text, "the draft is remembered");
  assert.equal(state.rules.applied, "classic");
  assert.equal(state.settings.mappings, undefined);
  shown = await shownRuleProblems();
  assert.equal(shown.notice.applied, "classic");
  assert.match(shown.notice.text, /Showing the classic mapping: there are no valid rules yet\./);
  assert.deepEqual(shown.gutter, lines);
  await assertMatchesPackage("a stored draft with problems: the classic mapping", { mappings: null });

  // Clear: the classic mapping, and nothing about rules on the output.
  await page.click("#clear-rules");
  state = await waitForState((s) => s.rules.empty, "the rules cleared");
  shown = await shownRuleProblems();
  assert.deepEqual([shown.items, shown.gutter, shown.notice, shown.summary], [[], [], null, "none · the classic mapping"]);
  await assertMatchesPackage("no rules");
  assert.equal(await page.evaluate(() => localStorage.getItem("segment-bloomreach-preview.rules.v1")), "");
  // An empty list is no rules either.
  state = await setRules("[]");
  assert.deepEqual([state.rules.valid, state.rules.applied, state.settings.mappings], [true, "classic", []]);
  shown = await shownRuleProblems();
  assert.deepEqual([shown.notice, shown.summary], [null, "none · the classic mapping"]);
  await assertMatchesPackage("an empty list of rules");
});

test("which rule took each event: several rules, keepDefault, the batch's shared context, mapping_failed and no_commands", async () => {
  const mappings = [
    { name: "signup", subscribe: 'type = "track" and event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } },
    { name: "plan check", subscribe: 'event = "Signed Up"', eventType: { "@path": "$.properties.plan" }, keepDefault: true },
    { name: "lines", subscribe: 'event = "Order Completed"', forEach: { "@path": "$.properties.products" }, eventType: "order_line", properties: { sku: { "@path": "$.item.sku" } } },
    { subscribe: 'type = "identify"', command: "customer", properties: { email: { "@path": "$.traits.email" } }, keepDefault: true },
    { name: "from server", subscribe: 'type = "track" and context.library.name = "analytics-node" and event = "Server Ping"', eventType: "server_ping" },
  ];
  const body = {
    batch: [
      { type: "track", messageId: "r-0", userId: "u-1", event: "Signed Up", properties: { plan: "pro" }, context: { library: { name: "analytics.js" } }, timestamp: "2024-03-04T15:32:56Z" },
      { type: "track", messageId: "r-1", userId: "u-1", event: "Signed Up", properties: { plan: { tier: "pro" } }, timestamp: "2024-03-04T15:32:57Z" },
      { type: "track", messageId: "r-2", userId: "u-1", event: "Order Completed", properties: { order_id: "o-1", products: [] }, timestamp: "2024-03-04T15:32:58Z" },
      { type: "identify", messageId: "r-3", userId: "u-1", traits: { email: "a@example.com", plan: "pro" }, timestamp: "2024-03-04T15:32:59Z" },
      { type: "page", messageId: "r-4", anonymousId: "a-1", name: "Home", timestamp: "2024-03-04T15:33:00Z" },
      { type: "track", messageId: "r-5", userId: "u-1", event: "Server Ping", timestamp: "2024-03-04T15:33:01Z" },
    ],
    context: { library: { name: "analytics-node", version: "2.1.0" } },
  };
  await setSettings({ ...(await readForm()), mappings });
  await setEditor(JSON.stringify(body, null, 2));
  const { shown } = await assertMatchesPackage("several rules over a batch");
  const card = (i) => shown.events[i];
  // What each card says, spelled out (assertMatchesPackage has checked it against the package).
  assert.deepEqual(card(0).origins, ["signup", "plan check", null], "two rules, then the classic command kept by keepDefault");
  assert.deepEqual(card(0).takenBy, ["signup", "plan check"]);
  assert.equal(card(1).issue.code, "mapping_failed");
  assert.match(card(1).issue.message, /rule "plan check": `eventType` must resolve/, "the rejection names the rule and the key");
  assert.deepEqual(card(1).takenBy, ["signup", "plan check"]);
  assert.deepEqual([card(2).issue.code, card(2).takenBy], ["no_commands", ["lines"]]);
  assert.deepEqual([card(3).origins, card(3).takenBy], [["rule 3", null], ["rule 3"]], "an unnamed rule is rule <index>");
  assert.deepEqual([card(4).origins, card(4).takenBy], [[null], []]);
  assert.match(await page.textContent('#events [data-event-index="4"] .via'), /Taken by no rule: classic mapping/);
  assert.deepEqual([card(5).origins, card(5).takenBy], [["from server"], ["from server"]], "the batch's top-level context counts for the subscription");
  assert.deepEqual(
    await page.$$eval('#events [data-event-index="0"] .origin', (nodes) => nodes.map((n) => n.textContent)),
    ["from signup · 1 command", "from plan check · 1 command", "from classic mapping · 1 command"],
  );

  // A rule's button opens the Rules editor at that rule.
  await page.evaluate(() => {
    document.getElementById("rules-box").open = false;
  });
  await page.click('#events [data-event-index="1"] .via button.chip[data-rule-index="1"]');
  const caret = await page.evaluate(() => ({ open: document.getElementById("rules-box").open, focused: document.activeElement.id, at: document.getElementById("rules").selectionStart }));
  const text = await page.inputValue("#rules");
  assert.deepEqual(caret, { open: true, focused: "rules", at: text.indexOf("{", text.indexOf('"name": "plan check"') - 10) });
});

/** In the editor `id`: Tab at the start indents (the focus stays), and Esc then Tab moves the focus on. */
async function assertEditorKeys(id) {
  const before = await page.inputValue(`#${id}`);
  await page.focus(`#${id}`);
  await page.evaluate((id) => document.getElementById(id).setSelectionRange(0, 0), id);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), id, `${id}: Tab stays in the editor`);
  assert.equal(await page.inputValue(`#${id}`), `  ${before}`, `${id}: Tab inserted two spaces`);
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement.id), id, `${id}: Esc then Tab moves the focus on`);
}

test("keyboard in the Rules panel: examples from the keyboard, Tab indents, Esc then Tab leaves", async () => {
  await page.focus('[data-rule-example="rename"]');
  await page.keyboard.press("Enter");
  await waitForState((s) => s.settings.mappings?.[0]?.name === "product view", "the rename example from Enter");
  await page.focus('[data-rule-example="customer"]');
  await page.keyboard.press("Space");
  await waitForState((s) => s.settings.mappings?.[0]?.name === "crm profile", "the customer example from Space");
  await assertEditorKeys("rules");
  // The indented text is still the same rules: the page maps with them.
  const state = await waitForState((s) => s.rules.text.startsWith("  ["), "the indented rules");
  assert.equal(state.rules.valid, true);
  await assertMatchesPackage("rules indented from the keyboard");
  // The summary folds and unfolds the panel from the keyboard.
  await page.focus("#rules-box summary");
  await page.keyboard.press("Enter");
  assert.equal(await page.isVisible("#rules"), false);
  await page.keyboard.press("Enter");
  assert.equal(await page.isVisible("#rules"), true);
});

test("keyboard: Tab indents in the editor, Esc then Tab leaves it, and controls are reachable", async () => {
  await selectExample("alias");
  await assertEditorKeys("json");
  // Every form control has a label; every button is a <button>.
  const unlabeled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")].filter((c) => !c.labels?.length && !c.getAttribute("aria-label") && !c.classList.contains("visually-hidden")).map((c) => c.id),
  );
  assert.deepEqual(unlabeled, []);
  // Code blocks that scroll can be reached (and scrolled) from the keyboard.
  await selectExample("page");
  const scrollers = await page.$$eval("pre.json", (pres) => pres.filter((p) => p.scrollHeight > p.clientHeight + 1 || p.scrollWidth > p.clientWidth + 1).map((p) => p.tabIndex));
  assert.ok(scrollers.length > 0 && scrollers.every((i) => i === 0), `scrolling code blocks are focusable (${scrollers})`);
  assert.deepEqual(await page.$$eval("[data-copy], [data-goto], [data-rule-example], #clear-rules", (nodes) => [...new Set(nodes.map((n) => n.tagName))]), ["BUTTON"]);
  await selectExample("page");

  // The presets' settings from the keyboard: Space ticks ecommerceEvents; the consentCategories
  // editor indents with Tab and is left with Esc then Tab, to the next field.
  await selectExample("track");
  await page.focus("#ecommerceEvents");
  await page.keyboard.press("Space");
  await waitForState((s) => s.settings.ecommerceEvents === true, "ecommerceEvents from Space");
  await page.fill("#consentCategories", '{"Advertising": "marketing"}');
  await assertEditorKeys("consentCategories");
  assert.equal(await page.evaluate(() => document.activeElement.id), "requiredConsentCategories", "Esc then Tab moves on to the next field");
  await page.keyboard.type("Advertising");
  const state = await waitForState((s) => s.settings.requiredConsentCategories?.[0] === "Advertising", "requiredConsentCategories typed");
  assert.deepEqual([state.settings.consentCategories, state.settings.requiredConsentCategories], [{ Advertising: "marketing" }, ["Advertising"]]);
  await assertMatchesPackage("presets set from the keyboard");
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

    // The Rules panel starts folded too; unfolded, an example and a problem still fit the width.
    assert.equal(await phone.evaluate(() => document.getElementById("rules-box").open), false, "the rules start folded on a phone");
    await phone.fill("#projectToken", "demo-project-token-0000");
    await phone.click("#rules-box summary");
    await phone.click('[data-rule-example="order-lines"]');
    await phone.waitForFunction(() => window.__preview.snapshot().groups[0]?.origins.length === 3);
    const withRules = await phone.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, chips: document.querySelectorAll("#events .chip").length }));
    assert.ok(withRules.scrollWidth <= 390, `no horizontal scroll with rules (${withRules.scrollWidth})`);
    assert.ok(withRules.chips > 0, "the rule chips are shown");
    await phone.fill("#rules", '[{"name": "a very long rule name that has to wrap somewhere on a phone", "eventType": "e"}]');
    await phone.waitForFunction(() => window.__preview.snapshot().rules.problems.length === 1);
    assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth)) <= 390, "a problem fits the width");

    // The presets: their fields, a problem in them and the preset rows' labels fit the width too.
    await phone.fill("#rules", "");
    await phone.selectOption("#example", "ecommerce-order");
    await phone.waitForFunction(() => window.__preview.snapshot().groups[0]?.origins.length === 4);
    await phone.selectOption("#example", "consent");
    await phone.waitForFunction(() => window.__preview.snapshot().groups[1]?.origins[0] === "consent");
    await phone.evaluate(() => {
      document.getElementById("settings-box").open = true;
    });
    await phone.fill("#consentCategories", '{"Advertising": "Marketing", "a Segment category with a very long name": "analytics"}');
    await phone.waitForFunction(() => window.__preview.snapshot().settingsProblems.length === 1);
    const presets = await phone.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      editor: document.getElementById("consentCategories-editor").getBoundingClientRect().right,
      error: document.getElementById("consentCategories-error").textContent,
    }));
    assert.ok(presets.scrollWidth <= 390 && presets.editor <= 390, `no horizontal scroll with the presets' fields (${JSON.stringify(presets)})`);
    assert.match(presets.error, /^consentCategories\.Advertising: must be lowercase/);
    await phone.fill("#consentCategories", '{"Advertising": "marketing"}');
    await phone.selectOption("#example", "ecommerce-order");
    await phone.waitForFunction(() => document.querySelectorAll("#events .chip.preset").length === 2); // purchase, then the purchase_items
    assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth)) <= 390, "the preset rows' labels fit the width");
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
