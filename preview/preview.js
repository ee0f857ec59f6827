// The mapping preview: runs the wasm mapping core on the editor's JSON and settings, and shows the requests it builds.
//
// Nothing here talks to the network: the only loads are the page's own static files (this module,
// the examples and the wasm). Secrets are masked on screen and in copied curl commands unless the
// user ticks "Show secrets", and they are never written to localStorage.

import init, { buildRequestsFromJson, validateSettings } from "./segment-bloomreach/index.js";
import { EXAMPLES } from "./examples.js";

const DEFAULTS = Object.freeze({
  apiBaseUrl: "https://api.exponea.com/",
  apiKey: "demo-public-key-1234",
  apiSecret: "",
  projectToken: "demo-project-token-0000",
  exponeaHardId: "registered",
  exponeaSoftId: "cookie",
  flattenNestedObjects: false,
  trackSessionPing: false,
});
const TEXT_FIELDS = ["apiBaseUrl", "apiKey", "apiSecret", "projectToken", "exponeaHardId", "exponeaSoftId"];
const BOOL_FIELDS = ["flattenNestedObjects", "trackSessionPing"];
/** Settings that may be remembered: never apiKey or apiSecret. */
const PERSISTED = ["apiBaseUrl", "projectToken", "exponeaHardId", "exponeaSoftId", "flattenNestedObjects", "trackSessionPing"];
const STORAGE_KEY = "segment-bloomreach-preview.settings.v1";
const DEBOUNCE_MS = 150;
const PAGE_EVENTS = 50;
const PAGE_REQUESTS = 10;
const HIGHLIGHT_LIMIT = 200_000;

const $ = (id) => document.getElementById(id);
const el = {
  json: $("json"),
  gutter: $("gutter"),
  band: $("error-band"),
  editor: $("editor"),
  jsonErrorInline: $("json-error-inline"),
  example: $("example"),
  exampleHint: $("example-hint"),
  form: $("settings"),
  settingsError: $("settings-error"),
  settingsBox: $("settings-box"),
  settingsSummary: $("settings-summary"),
  reset: $("reset-settings"),
  showSecrets: $("show-secrets"),
  counts: $("counts"),
  problem: $("problem"),
  loading: $("loading"),
  requests: $("requests"),
  events: $("events"),
  announcer: $("announcer"),
};

let ready = false;
let renders = 0;
let state = null; // the last computed state, see compute()
let exampleText = "";
let lastErrorSpot = "";
let showAllEvents = false;
let showAllRequests = false;
let timer = 0;
let timings = null;

// ---------------------------------------------------------------- settings

function loadStoredSettings() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    const settings = {};
    for (const key of PERSISTED) {
      const want = typeof DEFAULTS[key];
      if (stored && typeof stored[key] === want) settings[key] = stored[key];
    }
    return settings;
  } catch {
    return {};
  }
}

function storeSettings() {
  try {
    const form = readForm();
    const keep = {};
    for (const key of PERSISTED) keep[key] = form[key];
    localStorage.setItem(STORAGE_KEY, JSON.stringify(keep));
  } catch {
    // Storage may be unavailable (private mode, blocked): the page works without it.
  }
}

function fillForm(values) {
  for (const key of TEXT_FIELDS) $(key).value = values[key] ?? "";
  for (const key of BOOL_FIELDS) $(key).checked = Boolean(values[key]);
}

/** The form's raw values. */
function readForm() {
  const values = {};
  for (const key of TEXT_FIELDS) values[key] = $(key).value;
  for (const key of BOOL_FIELDS) values[key] = $(key).checked;
  return values;
}

/** The settings object handed to the package: an empty apiBaseUrl takes the default, an empty apiSecret means none. */
function readSettings() {
  const form = readForm();
  const settings = {};
  for (const key of TEXT_FIELDS) {
    if ((key === "apiBaseUrl" || key === "apiSecret") && form[key] === "") continue;
    settings[key] = form[key];
  }
  for (const key of BOOL_FIELDS) settings[key] = form[key];
  return settings;
}

function showSettingsProblems(problems) {
  const known = new Set([...TEXT_FIELDS, ...BOOL_FIELDS]);
  for (const key of known) {
    $(`${key}-error`).textContent = "";
    $(key).removeAttribute("aria-invalid");
  }
  const general = [];
  for (const { field, message } of problems) {
    if (known.has(field)) {
      const target = $(`${field}-error`);
      target.textContent = target.textContent ? `${target.textContent}; ${message}` : message;
      $(field).setAttribute("aria-invalid", "true");
    } else {
      general.push(field ? `${field}: ${message}` : message);
    }
  }
  el.settingsError.textContent = general.join("; ");
  // A collapsed settings box would hide the messages: open it, and say so in its summary.
  if (problems.length) el.settingsBox.open = true;
  const form = readForm();
  el.settingsSummary.classList.toggle("bad", problems.length > 0);
  el.settingsSummary.textContent = problems.length
    ? `${problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix`
    : [form.apiSecret ? "Basic auth" : "Token auth", form.flattenNestedObjects ? "flatten on" : "flatten off", form.trackSessionPing ? "session ping on" : "session ping off"].join(" · ");
}

// ---------------------------------------------------------------- JSON text helpers (exact text, no re-parsing of numbers)

const isWs = (c) => c === " " || c === "\n" || c === "\r" || c === "\t";

function skipWs(text, i) {
  while (i < text.length && isWs(text[i])) i++;
  return i;
}

/** End (exclusive) of the string literal starting at text[i] === '"'. */
function scanString(text, i) {
  i++;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** End (exclusive) of the JSON value starting at or after i. */
function scanValue(text, i) {
  i = skipWs(text, i);
  const c = text[i];
  if (c === '"') return scanString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"') {
        i = scanString(text, i) - 1;
      } else if (ch === "{" || ch === "[") {
        depth++;
      } else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return i;
  }
  while (i < text.length && !isWs(text[i]) && text[i] !== "," && text[i] !== "]" && text[i] !== "}") i++;
  return i;
}

/** The raw text of each item of the array starting at text[i] === '['. */
function arrayItems(text, i) {
  const items = [];
  i = skipWs(text, i + 1);
  if (text[i] === "]") return items;
  for (;;) {
    const start = skipWs(text, i);
    const end = scanValue(text, start);
    items.push(text.slice(start, end));
    i = skipWs(text, end);
    if (text[i] !== ",") return items;
    i++;
  }
}

/** The [key, raw value] pairs of the object starting at text[i] === '{'. */
function objectEntries(text, i) {
  const entries = [];
  i = skipWs(text, i + 1);
  if (text[i] === "}") return entries;
  for (;;) {
    const keyStart = skipWs(text, i);
    const keyEnd = scanString(text, keyStart);
    const colon = skipWs(text, keyEnd);
    const valueStart = skipWs(text, colon + 1);
    const valueEnd = scanValue(text, valueStart);
    entries.push([JSON.parse(text.slice(keyStart, keyEnd)), text.slice(valueStart, valueEnd)]);
    i = skipWs(text, valueEnd);
    if (text[i] !== ",") return entries;
    i++;
  }
}

/**
 * The events of a body the package accepted, as raw JSON text, the way the core splits them:
 * an array, a `{"batch": [...]}` envelope (whose top-level context/integrations apply to every
 * event), or one event.
 */
function splitEvents(text) {
  const start = skipWs(text, 0);
  if (text[start] === "[") return { events: arrayItems(text, start), shared: [] };
  const entries = objectEntries(text, start);
  const batch = entries.find(([key]) => key === "batch");
  if (batch && batch[1] !== "null") {
    const shared = entries
      .filter(([key, raw]) => (key === "context" || key === "integrations") && raw !== "null")
      .map(([key]) => key);
    return { events: arrayItems(batch[1], 0), shared };
  }
  return { events: [text.slice(start, scanValue(text, start))], shared: [] };
}

/** JSON text re-indented with two spaces, like JSON.stringify(value, null, 2) but keeping every literal exactly. */
function pretty(text) {
  let out = "";
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '"') {
      const end = scanString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (isWs(c)) {
      i++;
    } else if (c === "{" || c === "[") {
      const next = skipWs(text, i + 1);
      if (text[next] === (c === "{" ? "}" : "]")) {
        out += c + text[next];
        i = next + 1;
      } else {
        depth++;
        out += c + newline();
        i++;
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
      i++;
    } else if (c === ",") {
      out += "," + newline();
      i++;
    } else if (c === ":") {
      out += ": ";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

/** A <pre> holding pretty JSON text with light syntax colouring (text nodes only, never HTML). */
function jsonBlock(text, label) {
  const pre = document.createElement("pre");
  pre.className = "json";
  if (label) pre.setAttribute("aria-label", label);
  if (text.length > HIGHLIGHT_LIMIT) {
    pre.textContent = text;
    return pre;
  }
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) fragment.append(text.slice(last, match.index));
    const span = document.createElement("span");
    if (match[1] !== undefined) {
      span.className = match[2] ? "j-key" : "j-str";
      span.textContent = match[1];
      fragment.append(span);
      if (match[2]) fragment.append(match[2]);
    } else {
      span.className = match[3] !== undefined ? "j-num" : "j-lit";
      span.textContent = match[0];
      fragment.append(span);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  pre.append(fragment);
  return pre;
}

// ---------------------------------------------------------------- mapping

function describeError(error) {
  const out = { code: error && error.code ? error.code : "internal", message: error && error.message ? error.message : String(error) };
  for (const key of ["line", "column", "problems", "index", "messageId"]) {
    if (error && error[key] !== undefined) out[key] = error[key];
  }
  return out;
}

/**
 * Groups the commands of every request under the event they came from, as the package says
 * (each request's `events[k]` is the index of the event its `k`-th command came from).
 */
function groupByEvent(result, split) {
  const byEvent = new Map();
  let commandCount = 0;
  result.requests.forEach((request, requestIndex) => {
    const start = skipWs(request.body, 0);
    const commands = objectEntries(request.body, start).find(([key]) => key === "commands");
    (commands ? arrayItems(commands[1], 0) : []).forEach((raw, k) => {
      const event = request.events[k];
      if (!byEvent.has(event)) byEvent.set(event, []);
      byEvent.get(event).push({ raw, request: requestIndex });
      commandCount++;
    });
  });
  const rejected = new Map(result.rejected.map((issue) => [issue.index, issue]));
  const skipped = new Map(result.skipped.map((issue) => [issue.index, issue]));
  const count = split
    ? split.events.length
    : Math.max(-1, ...byEvent.keys(), ...result.rejected.map((x) => x.index), ...result.skipped.map((x) => x.index)) + 1;
  const groups = [];
  for (let index = 0; index < count; index++) {
    groups.push({ index, input: split ? split.events[index] : null, commands: byEvent.get(index) ?? [], rejected: rejected.get(index), skipped: skipped.get(index) });
  }
  return { groups, commandCount };
}

/** Everything the page shows for one editor text and settings. */
function compute(text, settings) {
  const out = { text, settings, settingsProblems: [], error: null, result: null, groups: [], shared: [], commandCount: 0, empty: false };
  try {
    validateSettings(settings);
  } catch (error) {
    out.settingsProblems = error.problems || [{ field: "", message: error.message }];
  }
  if (text.trim() === "") {
    out.empty = true;
    return out;
  }
  try {
    if (out.settingsProblems.length) {
      // Still tell the user about their JSON while the settings are wrong.
      buildRequestsFromJson(text, DEFAULTS);
      out.error = { code: "invalid_settings", message: "Fix the settings to see the requests." };
      return out;
    }
    out.result = buildRequestsFromJson(text, settings);
  } catch (error) {
    out.error = describeError(error);
    return out;
  }
  let split = null;
  try {
    split = splitEvents(text);
    out.shared = split.shared;
  } catch {
    split = null;
  }
  Object.assign(out, groupByEvent(out.result, split));
  return out;
}

// ---------------------------------------------------------------- secrets

function maskAuthorization(value) {
  if (value.startsWith("Token ")) {
    const key = value.slice(6);
    return key.length >= 8 ? `Token ••••${key.slice(-4)}` : "Token ••••";
  }
  if (value.startsWith("Basic ")) return "Basic ••••";
  return "••••";
}

function shownHeaders(headers, reveal) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = name.toLowerCase() === "authorization" && !reveal ? maskAuthorization(value) : value;
  }
  return out;
}

const shellQuote = (s) => "'" + s.replace(/'/g, "'\\''") + "'";

/** A curl command for one request; with secrets hidden it reads them from environment variables. */
function curlCommand(request, reveal) {
  const parts = [`curl -X ${request.method} ${shellQuote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.toLowerCase() !== "authorization" || reveal) {
      parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
    } else if (value.startsWith("Basic ")) {
      parts.push(`-u "$BLOOMREACH_API_KEY:$BLOOMREACH_API_SECRET"`);
    } else {
      parts.push(`-H "Authorization: Token $BLOOMREACH_API_KEY"`);
    }
  }
  parts.push(`--data-raw ${shellQuote(request.body)}`);
  return parts.join(" \\\n  ");
}

async function copyText(text, button, what) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // Clipboard API unavailable (plain http on a LAN address, older browsers): fall back.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    button.focus();
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied ✓" : "Copy failed";
  el.announcer.textContent = ok ? `Copied ${what}.` : `Could not copy ${what}; select the text and copy it by hand.`;
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}

// ---------------------------------------------------------------- rendering

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" || key === "type" || key === "id") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function setCount(name, value) {
  const node = el.counts.querySelector(`[data-count="${name}"]`);
  node.textContent = String(value);
  node.parentElement.classList.toggle("nonzero", value > 0);
  const unit = node.parentElement.querySelector(".unit");
  if (unit) unit.textContent = value === 1 ? unit.dataset.one : `${unit.dataset.one}s`;
}

function renderCounts() {
  const r = state.result;
  setCount("events", r ? state.groups.length : 0);
  setCount("requests", r ? r.requests.length : 0);
  setCount("commands", r ? state.commandCount : 0);
  setCount("rejected", r ? r.rejected.length : 0);
  setCount("skipped", r ? r.skipped.length : 0);
}

function renderProblem() {
  const error = state.error;
  el.problem.replaceChildren();
  el.problem.hidden = !error;
  el.jsonErrorInline.textContent = "";
  if (!error) return;
  if (error.code === "invalid_json" && error.line !== undefined) {
    const where = `line ${error.line}, column ${error.column}`;
    el.problem.append(
      h("strong", { text: `JSON syntax error at ${where}` }),
      h("p", {}, h("code", { text: error.message })),
      h("p", {}, h("button", { type: "button", class: "link", "data-goto": "error", text: `Go to line ${error.line}`, onclick: goToError })),
    );
    el.jsonErrorInline.textContent = `JSON syntax error at ${where}.`;
  } else if (error.code === "invalid_settings") {
    el.problem.append(h("strong", { text: "The settings are not valid." }), h("p", { text: `${error.message} Each problem is shown next to its field.` }));
  } else {
    el.problem.append(h("strong", { text: `Cannot read the input (${error.code})` }), h("p", {}, h("code", { text: error.message })));
  }
}

function renderRequests() {
  el.requests.replaceChildren();
  if (state.empty) {
    el.requests.append(h("p", { class: "empty", text: "Paste an event, or pick an example, to see the requests." }));
    return;
  }
  if (!state.result) {
    el.requests.append(h("p", { class: "empty", text: "No requests until the problem above is fixed." }));
    return;
  }
  const { requests } = state.result;
  if (requests.length === 0) {
    el.requests.append(h("p", { class: "empty", text: "No requests: no event produced a command." }));
    return;
  }
  const reveal = el.showSecrets.checked;
  const shown = showAllRequests ? requests : requests.slice(0, PAGE_REQUESTS);
  shown.forEach((request, index) => {
    const commandCount = state.groups.length ? countCommandsOf(index) : 0;
    const headers = shownHeaders(request.headers, reveal);
    const headerList = h("dl", { class: "headers" });
    for (const [name, value] of Object.entries(headers)) {
      headerList.append(h("dt", { text: name }), h("dd", { text: value, "data-header": name }));
    }
    const title = `Request ${index + 1} of ${requests.length}`;
    el.requests.append(
      h(
        "article",
        { class: "card request", "data-request-index": String(index), "aria-label": title },
        h(
          "div",
          { class: "card-head" },
          h("h4", { text: title }),
          h("span", { class: "badge", text: plural(commandCount, "command") }),
          h("span", { class: "spacer" }),
          h("button", {
            type: "button",
            class: "secondary",
            "data-copy": "curl",
            "aria-label": `Copy request ${index + 1} as curl`,
            title: reveal ? "Copies the command with the real Authorization header" : "Secrets come from $BLOOMREACH_API_KEY / $BLOOMREACH_API_SECRET",
            text: "Copy as curl",
            onclick: (event) => copyText(curlCommand(request, el.showSecrets.checked), event.currentTarget, `request ${index + 1} as curl`),
          }),
          h("button", {
            type: "button",
            class: "secondary",
            "data-copy": "body",
            "aria-label": `Copy the body of request ${index + 1}`,
            text: "Copy body",
            onclick: (event) => copyText(request.body, event.currentTarget, `the body of request ${index + 1}`),
          }),
        ),
        h(
          "div",
          { class: "card-body" },
          h("p", { class: "request-line" }, h("span", { class: "method", text: request.method }), h("span", { class: "url", text: request.url })),
          headerList,
          jsonBlock(pretty(request.body), `Body of request ${index + 1}`),
        ),
      ),
    );
    el.requests.lastChild.querySelector("pre").classList.add("body");
  });
  if (shown.length < requests.length) {
    el.requests.append(
      h("p", { class: "more" }, h("button", { type: "button", class: "secondary", text: `Show all ${requests.length} requests`, onclick: () => { showAllRequests = true; renderRequests(); makeScrollersFocusable(); } })),
    );
  }
}

function countCommandsOf(requestIndex) {
  let n = 0;
  for (const group of state.groups) for (const command of group.commands) if (command.request === requestIndex) n++;
  return n;
}

function eventTitle(group) {
  let summary = "";
  try {
    const event = JSON.parse(group.input);
    if (event && typeof event === "object" && !Array.isArray(event)) {
      const type = typeof event.type === "string" ? event.type : "event";
      const name = typeof event.event === "string" ? event.event : typeof event.name === "string" ? event.name : "";
      summary = name ? `${type} “${name}”` : type;
      if (type === "group" && event.groupId !== undefined) summary += ` ${event.groupId}`;
      return { summary, messageId: typeof event.messageId === "string" || typeof event.messageId === "number" ? String(event.messageId) : "" };
    }
  } catch {
    // not readable here: the core has its say in the rejection
  }
  return { summary: summary || "event", messageId: "" };
}

function renderEvents() {
  el.events.replaceChildren();
  if (!state.result) {
    if (!state.empty) el.events.append(h("p", { class: "empty", text: "Nothing to map until the problem above is fixed." }));
    return;
  }
  if (state.groups.length === 0) {
    el.events.append(h("p", { class: "empty", text: "The input holds no events." }));
    return;
  }
  if (state.shared.length) {
    el.events.append(h("p", { class: "hint", text: `The batch's top-level ${state.shared.join(" and ")} also appl${state.shared.length === 1 ? "ies" : "y"} to every event (an event's own keys win).` }));
  }
  const shown = showAllEvents ? state.groups : state.groups.slice(0, PAGE_EVENTS);
  for (const group of shown) {
    const { summary, messageId } = group.input === null ? { summary: "event", messageId: "" } : eventTitle(group);
    const status = group.rejected ? "rejected" : group.skipped ? "skipped" : "mapped";
    const issue = group.rejected || group.skipped;
    const badge = issue
      ? h("span", { class: `badge ${group.rejected ? "bad" : "warn"}`, text: `${status}: ${issue.code}` })
      : h("span", { class: "badge", text: plural(group.commands.length, "command") });
    const requestsOf = [...new Set(group.commands.map((c) => c.request + 1))];
    const output = issue
      ? h("p", { class: `issue ${group.rejected ? "" : "skip"}`, "data-code": issue.code }, h("code", { class: "code-name", text: issue.code }), " — ", h("span", { class: "issue-message", text: issue.message }))
      : group.commands.length === 0
        ? h("p", { class: "empty", text: "No commands." })
        : jsonBlock(pretty(`[${group.commands.map((c) => c.raw).join(",")}]`), `Commands of event ${group.index}`);
    if (output.tagName === "PRE") output.classList.add("commands");
    el.events.append(
      h(
        "article",
        { class: `card event ${status}`, "data-event-index": String(group.index), "data-status": status, "aria-label": `Event ${group.index}: ${summary}, ${status}` },
        h(
          "div",
          { class: "card-head" },
          h("h4", { text: `#${group.index} ${summary}` }),
          messageId ? h("span", { class: "meta", text: `messageId ${messageId}` }) : h("span", { class: "meta", text: `no messageId → event-${group.index}` }),
          h("span", { class: "spacer" }),
          requestsOf.length ? h("span", { class: "meta", text: `in request ${requestsOf.join(", ")}` }) : null,
          badge,
        ),
        h(
          "div",
          { class: "card-body pair" },
          h("div", {}, h("h5", { text: "Segment event" }), group.input === null ? h("p", { class: "empty", text: "(not shown)" }) : jsonBlock(pretty(group.input), `Input of event ${group.index}`)),
          h("div", {}, h("h5", { text: issue ? (group.rejected ? "Rejected" : "Skipped") : "Bloomreach commands" }), output),
        ),
      ),
    );
  }
  if (shown.length < state.groups.length) {
    el.events.append(
      h("p", { class: "more" }, h("button", { type: "button", class: "secondary", text: `Show all ${state.groups.length} events`, onclick: () => { showAllEvents = true; renderEvents(); makeScrollersFocusable(); } })),
    );
  }
}

function render() {
  el.loading.hidden = true;
  showSettingsProblems(state.settingsProblems);
  renderCounts();
  renderProblem();
  renderRequests();
  renderEvents();
  renderEditorMarks();
  makeScrollersFocusable();
  renders++;
}

/** A code block that scrolls gets a tab stop, so keyboard users can scroll it; the others stay out of the tab order. */
function makeScrollersFocusable() {
  for (const pre of document.querySelectorAll("pre.json")) {
    const scrolls = pre.scrollHeight > pre.clientHeight + 1 || pre.scrollWidth > pre.clientWidth + 1;
    if (scrolls) pre.tabIndex = 0;
    else pre.removeAttribute("tabindex");
  }
}

// ---------------------------------------------------------------- editor

function lineCount(text) {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

let gutterLines = 0;
let gutterErrorLine = 0;

function renderGutter(errorLine) {
  const lines = lineCount(el.json.value);
  if (lines === gutterLines && errorLine === gutterErrorLine) return;
  gutterLines = lines;
  gutterErrorLine = errorLine;
  const numbers = (from, to) => {
    let text = "";
    for (let n = from; n <= to; n++) text += `${n}\n`;
    return text;
  };
  // Extra blank lines leave room to scroll in step with the textarea's horizontal scrollbar.
  if (errorLine >= 1 && errorLine <= lines) {
    el.gutter.replaceChildren(numbers(1, errorLine - 1), h("span", { class: "err", text: String(errorLine) }), `\n${numbers(errorLine + 1, lines)}\n\n`);
  } else {
    el.gutter.textContent = `${numbers(1, lines)}\n\n`;
  }
  syncScroll();
}

function errorLine() {
  return state && state.error && state.error.code === "invalid_json" && state.error.line ? state.error.line : 0;
}

function lineHeight() {
  return parseFloat(getComputedStyle(el.json).lineHeight) || 20;
}

function paddingTop() {
  return parseFloat(getComputedStyle(el.json).paddingTop) || 0;
}

function syncScroll() {
  el.gutter.scrollTop = el.json.scrollTop;
  const line = errorLine();
  if (line) el.band.style.top = `${paddingTop() + (line - 1) * lineHeight() - el.json.scrollTop}px`;
}

function renderEditorMarks() {
  const line = errorLine();
  renderGutter(line);
  el.editor.classList.toggle("has-error", Boolean(line));
  el.band.hidden = !line;
  if (line) {
    el.json.setAttribute("aria-invalid", "true");
    const spot = `${line}:${state.error.column}`;
    if (spot !== lastErrorSpot) {
      lastErrorSpot = spot;
      scrollLineIntoView(line);
    }
  } else {
    el.json.removeAttribute("aria-invalid");
    lastErrorSpot = "";
  }
  syncScroll();
}

function scrollLineIntoView(line) {
  const top = paddingTop() + (line - 1) * lineHeight();
  const view = el.json.clientHeight;
  if (top < el.json.scrollTop || top + lineHeight() > el.json.scrollTop + view) {
    el.json.scrollTop = Math.max(0, top - view / 3);
  }
}

/** Offset in the textarea of a 1-based line and a 1-based column counted in UTF-8 bytes (serde_json's). */
function offsetOf(text, line, column) {
  let offset = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf("\n", offset);
    if (nl === -1) break;
    offset = nl + 1;
  }
  const lineEnd = text.indexOf("\n", offset) === -1 ? text.length : text.indexOf("\n", offset);
  let bytes = 0;
  let i = offset;
  while (i < lineEnd && bytes < column - 1) {
    const code = text.codePointAt(i);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code > 0xffff ? 2 : 1;
  }
  return i;
}

function goToError() {
  if (!state || !state.error || !state.error.line) return;
  const at = offsetOf(el.json.value, state.error.line, state.error.column);
  el.json.focus();
  el.json.setSelectionRange(at, Math.min(at + 1, el.json.value.length));
  scrollLineIntoView(state.error.line);
  syncScroll();
}

/** Inserts text at the selection, keeping the browser's undo history where it can. */
function insertText(text) {
  if (!document.execCommand || !document.execCommand("insertText", false, text)) {
    el.json.setRangeText(text, el.json.selectionStart, el.json.selectionEnd, "end");
    el.json.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

let escapeArmed = false;

function onEditorKey(event) {
  const area = el.json;
  if (event.key === "Escape") {
    escapeArmed = true;
    return;
  }
  if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
    if (escapeArmed) {
      escapeArmed = false;
      return; // let the focus move on
    }
    event.preventDefault();
    const { value, selectionStart, selectionEnd } = area;
    const lineStart = value.lastIndexOf("\n", selectionStart - 1) + 1;
    const multiLine = value.slice(selectionStart, selectionEnd).includes("\n");
    if (!event.shiftKey && !multiLine) {
      insertText("  ");
      return;
    }
    // Indent or outdent every selected line.
    const block = value.slice(lineStart, selectionEnd);
    const changed = event.shiftKey ? block.replace(/^ {1,2}/gm, "") : block.replace(/^/gm, "  ");
    area.setSelectionRange(lineStart, selectionEnd);
    insertText(changed);
    area.setSelectionRange(lineStart, lineStart + changed.length);
    return;
  }
  escapeArmed = false;
  if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
    const { value, selectionStart } = area;
    const lineStart = value.lastIndexOf("\n", selectionStart - 1) + 1;
    const indent = /^[ \t]*/.exec(value.slice(lineStart, selectionStart))[0];
    const before = value.slice(0, selectionStart).trimEnd().slice(-1);
    const extra = before === "{" || before === "[" ? "  " : "";
    event.preventDefault();
    insertText("\n" + indent + extra);
  }
}

// ---------------------------------------------------------------- wiring

function update() {
  clearTimeout(timer);
  timer = 0;
  if (!ready) return;
  const t0 = performance.now();
  state = compute(el.json.value, readSettings());
  const t1 = performance.now();
  render();
  timings = { compute: t1 - t0, render: performance.now() - t1 };
}

function schedule() {
  clearTimeout(timer);
  // A long paste takes a moment to map and draw: wait for a longer pause in typing.
  timer = setTimeout(update, el.json.value.length > 100_000 ? DEBOUNCE_MS * 3 : DEBOUNCE_MS);
}

function selectExample(id) {
  const example = EXAMPLES.find((x) => x.id === id);
  if (!example) return;
  el.example.value = id;
  exampleText = JSON.stringify(example.value, null, 2);
  el.json.value = exampleText;
  el.json.scrollTop = 0;
  el.exampleHint.textContent = example.hint;
  showAllEvents = false;
  showAllRequests = false;
  renderGutter(0);
  update();
}

function setUp() {
  // On a phone the settings start folded, so the output is a short scroll away from the editor.
  if (window.matchMedia("(max-width: 600px)").matches) el.settingsBox.open = false;
  for (const example of EXAMPLES) el.example.append(h("option", { value: example.id, text: example.label }));
  fillForm({ ...DEFAULTS, ...loadStoredSettings() });

  el.example.addEventListener("change", () => {
    if (el.example.value) selectExample(el.example.value);
  });
  el.json.addEventListener("input", () => {
    if (el.example.value && el.json.value !== exampleText) {
      el.example.value = "";
      el.exampleHint.textContent = "Your own input.";
    }
    renderGutter(errorLine());
    schedule();
  });
  el.json.addEventListener("keydown", onEditorKey);
  el.json.addEventListener("scroll", syncScroll);
  el.form.addEventListener("input", (event) => {
    storeSettings();
    if (event.target.type === "checkbox") update();
    else schedule();
  });
  el.form.addEventListener("submit", (event) => event.preventDefault());
  el.reset.addEventListener("click", () => {
    fillForm(DEFAULTS);
    storeSettings();
    update();
  });
  el.showSecrets.addEventListener("change", () => {
    $("apiSecret").type = el.showSecrets.checked ? "text" : "password";
    if (state) renderRequests();
    makeScrollersFocusable();
    renders++;
  });
  if (typeof ResizeObserver === "function") new ResizeObserver(syncScroll).observe(el.json);
}

// A read-only view of the last state, for the browser tests and the curious.
Object.defineProperty(window, "__preview", {
  value: Object.freeze({
    snapshot() {
      return structuredClone({
        ready,
        renders,
        timings,
        text: state ? state.text : null,
        settings: state ? state.settings : null,
        result: state ? state.result : null,
        error: state ? state.error : null,
        settingsProblems: state ? state.settingsProblems : [],
        groups: state
          ? state.groups.map((g) => ({
              index: g.index,
              status: g.rejected ? "rejected" : g.skipped ? "skipped" : "mapped",
              commandIds: g.commands.map((c) => JSON.parse(c.raw).command_id),
              issue: g.rejected || g.skipped || null,
            }))
          : [],
      });
    },
  }),
});

setUp();
const requested = decodeURIComponent(location.hash.slice(1));
try {
  await init();
  ready = true;
  selectExample(EXAMPLES.some((x) => x.id === requested) ? requested : EXAMPLES[0].id);
} catch (error) {
  el.loading.hidden = true;
  el.problem.hidden = false;
  el.problem.replaceChildren(
    h("strong", { text: "Could not load the mapping core." }),
    h("p", { text: `${error.message}. Serve the preview/ folder over http(s) (file:// cannot load WebAssembly), e.g. python3 -m http.server -d preview.` }),
  );
}
