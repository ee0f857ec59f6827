// The mapping preview: runs the wasm mapping core on the editor's JSON, the settings and the rules,
// and shows the requests it builds, and for each event which rule, preset row (or the classic
// mapping) made what.
//
// Nothing here talks to the network: the only loads are the page's own static files (these
// modules and the wasm). Secrets are masked on screen and in copied curl commands unless the
// user ticks "Show secrets", and they are never written to localStorage.

import init, { buildRequestsFromJson, matchesSubscription, validateSettings } from "./segment-bloomreach/index.js";
import { EXAMPLES, RULE_EXAMPLES } from "./examples.js";
import { h, makeScrollersFocusable, plural } from "./dom.js";
import { JsonEditor } from "./editor.js";
import { arrayItems, locate, lineAt, objectEntries, offsetOf, skipWs, splitEvents } from "./jsontext.js";
import { placeProblem, readJsonSetting, readRules, ruleName } from "./rules.js";
import { renderOutput, renderRequests, resetPaging } from "./output.js";

const DEFAULTS = Object.freeze({
  apiBaseUrl: "https://api.exponea.com/",
  apiKey: "demo-public-key-1234",
  apiSecret: "",
  projectToken: "demo-project-token-0000",
  exponeaHardId: "registered",
  exponeaSoftId: "cookie",
  flattenNestedObjects: false,
  trackSessionPing: false,
  ecommerceEvents: false,
});
const TEXT_FIELDS = ["apiBaseUrl", "apiKey", "apiSecret", "projectToken", "exponeaHardId", "exponeaSoftId"];
const BOOL_FIELDS = ["flattenNestedObjects", "trackSessionPing", "ecommerceEvents"];
/**
 * The consent settings, written as text in the form: `consentCategories` as JSON in its own
 * editor, `requiredConsentCategories` as IDs separated by commas. Empty text: the setting is left out (its default).
 */
const CONSENT_FIELDS = ["consentCategories", "requiredConsentCategories"];
/** The form's values at first and after "Reset to defaults". */
const FORM_DEFAULTS = Object.freeze({ ...DEFAULTS, consentCategories: "", requiredConsentCategories: "" });
/** Settings that may be remembered: never apiKey or apiSecret. */
const PERSISTED = ["apiBaseUrl", "projectToken", "exponeaHardId", "exponeaSoftId", "flattenNestedObjects", "trackSessionPing", "ecommerceEvents", ...CONSENT_FIELDS];
const STORAGE_KEY = "segment-bloomreach-preview.settings.v1";
/** The Rules editor's text, kept as written (a draft with a problem too). */
const RULES_STORAGE_KEY = "segment-bloomreach-preview.rules.v1";
const DEBOUNCE_MS = 150;

const $ = (id) => document.getElementById(id);
const el = {
  json: $("json"),
  jsonErrorInline: $("json-error-inline"),
  example: $("example"),
  exampleHint: $("example-hint"),
  form: $("settings"),
  settingsError: $("settings-error"),
  settingsBox: $("settings-box"),
  settingsSummary: $("settings-summary"),
  reset: $("reset-settings"),
  rulesBox: $("rules-box"),
  rulesSummary: $("rules-summary"),
  rulesExamples: $("rule-examples"),
  rulesExampleHint: $("rules-example-hint"),
  rulesProblems: $("rules-problems"),
  rulesNotice: $("rules-notice"),
  showSecrets: $("show-secrets"),
  counts: $("counts"),
  problem: $("problem"),
  loading: $("loading"),
  requests: $("requests"),
  events: $("events"),
  announcer: $("announcer"),
};
const editor = new JsonEditor($("editor"));
const rulesEditor = new JsonEditor($("rules-editor"));
const consentEditor = new JsonEditor($("consentCategories-editor"));

let ready = false;
let renders = 0;
let state = null; // the last computed state, see compute()
let exampleText = "";
let ruleExampleText = "";
let timer = 0;
let timings = null;
/** The Rules editor's text as last read (see rules.js), and the last valid rules: the ones the output maps with. */
let rules = null;
let goodRules = { value: undefined, text: "" };
/** The consentCategories editor's text as last read (see rules.js readJsonSetting). */
let consent = null;

// ---------------------------------------------------------------- settings

function loadStoredSettings() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    const settings = {};
    for (const key of PERSISTED) {
      const want = typeof FORM_DEFAULTS[key];
      if (stored && typeof stored[key] === want) settings[key] = stored[key];
    }
    return settings;
  } catch {
    return {};
  }
}

/** Writes to localStorage, which may be unavailable (private mode, blocked): the page works without it. */
function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // nothing to do
  }
}

function storeSettings() {
  const form = readForm();
  const keep = {};
  for (const key of PERSISTED) keep[key] = form[key];
  store(STORAGE_KEY, JSON.stringify(keep));
}

function loadStoredRules() {
  try {
    return localStorage.getItem(RULES_STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

function fillForm(values) {
  for (const key of TEXT_FIELDS) $(key).value = values[key] ?? "";
  for (const key of BOOL_FIELDS) $(key).checked = Boolean(values[key]);
  consentEditor.setText(values.consentCategories ?? "");
  $("requiredConsentCategories").value = values.requiredConsentCategories ?? "";
}

/** The form's raw values. */
function readForm() {
  const values = {};
  for (const key of TEXT_FIELDS) values[key] = $(key).value;
  for (const key of BOOL_FIELDS) values[key] = $(key).checked;
  for (const key of CONSENT_FIELDS) values[key] = $(key).value;
  return values;
}

/** Settings (an example's) as the form writes them: the consent settings as text. */
function asFormValues(settings) {
  const values = { ...settings };
  if ("consentCategories" in settings) values.consentCategories = JSON.stringify(settings.consentCategories, null, 2);
  if ("requiredConsentCategories" in settings) values.requiredConsentCategories = settings.requiredConsentCategories.join(", ");
  return values;
}

/** The requiredConsentCategories field's IDs: split at commas, each trimmed (an empty one stays, for the package to report). */
function requiredList(text) {
  return text.trim() === "" ? undefined : text.split(",").map((id) => id.trim());
}

/** Reads the consentCategories editor (again only when its text changed). */
function readConsentEditor() {
  const text = consentEditor.value;
  if (!consent || consent.text !== text) consent = readJsonSetting("consentCategories", text, { buildRequestsFromJson, validateSettings }, DEFAULTS);
}

/** Problems the page finds before the package can: the consentCategories editor's JSON syntax error. */
function pageProblems() {
  if (!consent.syntax) return [];
  const { line, column, message } = consent.syntax;
  return [{ field: "consentCategories", message: line ? `JSON syntax error at line ${line}, column ${column}: ${message}` : `JSON syntax error: ${message}` }];
}

/**
 * The settings object handed to the package: an empty apiBaseUrl takes the default, an empty
 * apiSecret means none, and `mappings` is the last valid rules (none: the classic mapping).
 */
function readSettings() {
  const form = readForm();
  const settings = {};
  for (const key of TEXT_FIELDS) {
    if ((key === "apiBaseUrl" || key === "apiSecret") && form[key] === "") continue;
    settings[key] = form[key];
  }
  for (const key of BOOL_FIELDS) settings[key] = form[key];
  if (consent.value !== undefined) settings.consentCategories = consent.value;
  const required = requiredList(form.requiredConsentCategories);
  if (required !== undefined) settings.requiredConsentCategories = required;
  if (goodRules.value !== undefined) settings.mappings = goodRules.value;
  return settings;
}

/** The field a problem is shown at: its setting's (`consentCategories.Advertising` → consentCategories), or none. */
function fieldOf(path, known) {
  const key = /^[^.[]*/.exec(path)[0];
  return known.has(key) ? key : null;
}

function showSettingsProblems(problems) {
  const known = new Set([...TEXT_FIELDS, ...BOOL_FIELDS, ...CONSENT_FIELDS]);
  for (const key of known) {
    $(`${key}-error`).textContent = "";
    $(key).removeAttribute("aria-invalid");
  }
  const general = [];
  for (const { field, message } of problems) {
    const key = fieldOf(field, known);
    if (key) {
      // A problem inside a setting (consentCategories.Advertising, requiredConsentCategories[1]) says where.
      const text = field === key ? message : `${field}: ${message}`;
      const target = $(`${key}-error`);
      target.textContent = target.textContent ? `${target.textContent}; ${text}` : text;
      $(key).setAttribute("aria-invalid", "true");
    } else {
      general.push(field ? `${field}: ${message}` : message);
    }
  }
  el.settingsError.textContent = general.join("; ");
  markConsentEditor(problems);
  // A collapsed settings box would hide the messages: open it, and say so in its summary.
  if (problems.length) el.settingsBox.open = true;
  const form = readForm();
  el.settingsSummary.classList.toggle("bad", problems.length > 0);
  el.settingsSummary.textContent = problems.length
    ? `${problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix`
    : [
        form.apiSecret ? "Basic auth" : "Token auth",
        form.flattenNestedObjects ? "flatten on" : "flatten off",
        form.trackSessionPing ? "session ping on" : "session ping off",
        ...(form.ecommerceEvents ? ["e-commerce preset on"] : []),
        ...(consent.value && Object.keys(consent.value).length ? ["consent preset on"] : []),
        ...(requiredList(form.requiredConsentCategories) ? ["consent required"] : []),
      ].join(" · ");
}

/** Marks the lines of the consentCategories editor that have a problem: its syntax error, or the places of its problems. */
function markConsentEditor(problems) {
  if (consent.syntax) {
    consentEditor.mark(consent.syntax.line ? [consent.syntax.line] : [], `syntax:${consent.syntax.line}:${consent.syntax.column}`);
    return;
  }
  const placed = problems.filter((p) => fieldOf(p.field, new Set(["consentCategories"]))).map((p) => placeProblem("consentCategories", consent.text, p));
  consentEditor.mark(
    placed.map((p) => p.line),
    JSON.stringify(placed),
  );
}

// ---------------------------------------------------------------- rules

/** Reads the Rules editor (again only when its text changed); valid rules become the ones the output maps with. */
function readRulesEditor() {
  const text = rulesEditor.value;
  if (rules && rules.text === text) return;
  rules = readRules(text, { buildRequestsFromJson, validateSettings }, DEFAULTS);
  if (rules.valid) goodRules = { value: rules.empty ? undefined : rules.value, text };
}

/** Which rules the output uses: the editor's ("current"), the last valid ones ("last-valid"), or none ("classic"). */
function rulesApplied() {
  // `[]` and `null` are valid rules too: none, the classic mapping.
  if (!Array.isArray(goodRules.value) || goodRules.value.length === 0) return "classic";
  return rules.valid ? "current" : "last-valid";
}

/** Opens the Rules panel at a place in its text: a problem, a syntax error, a rule. */
function goToRules(offset) {
  el.rulesBox.open = true;
  rulesEditor.goTo(offset, lineAt(rulesEditor.value, offset));
  rulesEditor.area.scrollIntoView({ block: "nearest" });
}

/** Opens the Rules panel at rule `index` of the editor's text. */
function goToRule(index) {
  goToRules(locate(rulesEditor.value, [index]).offset);
}

function applyRuleExample(id) {
  const example = RULE_EXAMPLES.find((x) => x.id === id);
  if (!example) return;
  ruleExampleText = JSON.stringify(example.value, null, 2);
  rulesEditor.setText(ruleExampleText);
  store(RULES_STORAGE_KEY, ruleExampleText);
  const events = EXAMPLES.find((x) => x.id === example.events);
  el.rulesExampleHint.replaceChildren(example.hint);
  // Show the rules at work: a page example is swapped for the one they were made for; the user's own input is kept.
  if (el.example.value !== "" || el.json.value.trim() === "") {
    if (el.example.value !== example.events) selectExample(example.events);
    else update();
  } else {
    el.rulesExampleHint.append(
      " ",
      h("button", { type: "button", class: "link", "data-load-example": events.id, text: `Load the “${events.label}” example`, onclick: () => selectExample(events.id) }),
      " to see them at work.",
    );
    update();
  }
}

/** The rules reading and which rules apply, as last drawn: the panel is drawn again only when they change. */
let rulesDrawn = { rules: null, applied: "" };

function renderRules() {
  const applied = rulesApplied();
  if (rulesDrawn.rules === rules && rulesDrawn.applied === applied) return;
  rulesDrawn = { rules, applied };
  const problems = rules.syntax ? 1 : rules.problems.length;
  const count = applied === "classic" ? 0 : goodRules.value.length;
  el.rulesSummary.classList.toggle("bad", !rules.valid);
  el.rulesSummary.textContent = !rules.valid ? `${problems === 1 ? "1 problem" : `${problems} problems`} to fix` : count ? plural(count, "rule") : "none · the classic mapping";
  rulesEditor.root.classList.toggle("is-empty", rules.empty);
  renderRuleProblems(applied);
  // A folded panel would hide the problems: unfold it when they change.
  if (!rules.valid) el.rulesBox.open = true;
  renderRulesNotice(applied, problems, count);
}

/** Each problem at its path, with a button to its line; the lines marked in the editor. */
function renderRuleProblems(applied) {
  el.rulesProblems.replaceChildren();
  const usingNow = ` The output uses ${applied === "last-valid" ? "the last valid rules" : "the classic mapping"} until ${rules.syntax || rules.problems.length > 1 ? "these are" : "this is"} fixed.`;
  const item = (props, line, offset, ...what) =>
    h("li", { ...props, "data-line": String(line) }, line ? h("button", { type: "button", class: "link", "data-goto-line": String(line), text: `line ${line}`, onclick: () => goToRules(offset) }) : null, " ", ...what);
  if (rules.syntax) {
    const { line, column, message, offset } = rules.syntax;
    el.rulesProblems.append(
      h("p", { class: "problems-title" }, h("strong", { text: line ? `JSON syntax error at line ${line}, column ${column}.` : "JSON syntax error." }), usingNow),
      h("ul", {}, item({ "data-problem": "syntax" }, line, offset, h("span", { class: "problem-message", text: message }))),
    );
    rulesEditor.mark(line ? [line] : [], `syntax:${line}:${column}`);
  } else if (rules.problems.length) {
    el.rulesProblems.append(
      h("p", { class: "problems-title" }, h("strong", { text: `${plural(rules.problems.length, "problem")} in the rules.` }), usingNow),
      h(
        "ul",
        {},
        ...rules.problems.map((problem) =>
          item({ "data-problem": problem.path }, problem.line, problem.offset, h("code", { class: "problem-path", text: problem.path }), h("span", { class: "problem-message", text: `: ${problem.message}` })),
        ),
      ),
    );
    rulesEditor.mark(
      rules.problems.map((p) => p.line),
      JSON.stringify(rules.problems),
    );
  } else {
    rulesEditor.mark([]);
  }
}

/** Above the output: which rules it was made with (hidden when none and none are wanted). */
function renderRulesNotice(applied, problems, count) {
  el.rulesNotice.replaceChildren();
  el.rulesNotice.className = `notice ${rules.valid ? "info" : "warn"}`;
  el.rulesNotice.hidden = applied === "classic" && rules.valid;
  el.rulesNotice.dataset.applied = applied;
  if (el.rulesNotice.hidden) return;
  const names = count ? goodRules.value.map(ruleName) : [];
  const listed = names.slice(0, 5).map((n) => `“${n}”`);
  if (names.length > listed.length) listed.push(`${names.length - listed.length} more`);
  const made = count ? `Made with ${count === 1 ? "the rule" : `${count} rules:`} ${listed.join(", ")}; events no rule takes get the classic mapping.` : "";
  if (rules.valid) {
    el.rulesNotice.append(made);
    return;
  }
  el.rulesNotice.append(
    h("strong", { text: `The rules have ${problems === 1 ? "a problem" : `${problems} problems`}. ` }),
    applied === "last-valid" ? `Showing the output of the last valid rules. ${made}` : "Showing the classic mapping: there are no valid rules yet.",
    " ",
    h("button", { type: "button", class: "link", "data-goto": "rules", text: "Show the problems", onclick: () => goToRules(rules.syntax ? rules.syntax.offset : rules.problems[0].offset) }),
  );
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
 * (each request's `events[k]` is the index of the event its `k`-th command came from, and
 * `origins[k]`, when there, the rule that made it; `null`: the classic mapping).
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
      byEvent.get(event).push({ raw, request: requestIndex, origin: request.origins ? request.origins[k] : null });
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
    groups.push({ index, input: split ? split.events[index] : null, commands: byEvent.get(index) ?? [], rejected: rejected.get(index), skipped: skipped.get(index), taking: null, takenBy: null, kinds: null });
  }
  return { groups, commandCount };
}

/** Everything the page shows for one editor text and settings. */
function compute(text, settings, problems = []) {
  const out = { text, settings, settingsProblems: [...problems], error: null, result: null, groups: [], shared: [], sharedValues: {}, commandCount: 0, empty: false };
  try {
    validateSettings(settings);
  } catch (error) {
    out.settingsProblems.push(...(error.problems || [{ field: "", message: error.message }]));
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
    for (const [key, raw] of Object.entries(split.sharedRaw)) out.sharedValues[key] = JSON.parse(raw);
  } catch {
    split = null;
  }
  Object.assign(out, groupByEvent(out.result, split));
  return out;
}

// ---------------------------------------------------------------- rendering

/** What output.js needs to draw the state: the page's elements and the ways back into the editors. */
const view = {
  el,
  get state() {
    return state;
  },
  get rules() {
    return Array.isArray(state?.settings?.mappings) ? state.settings.mappings : [];
  },
  matchesSubscription,
  goToError,
  goToRule,
};

function render() {
  el.loading.hidden = true;
  showSettingsProblems(state.settingsProblems);
  renderRules();
  renderOutput(view);
  renderEditorMarks();
  makeScrollersFocusable();
  renders++;
}

// ---------------------------------------------------------------- the event editor

function errorLine() {
  return state && state.error && state.error.code === "invalid_json" && state.error.line ? state.error.line : 0;
}

function renderEditorMarks() {
  const line = errorLine();
  editor.mark(line ? [line] : [], line ? `${line}:${state.error.column}` : "");
}

function goToError() {
  if (!state || !state.error || !state.error.line) return;
  editor.goTo(offsetOf(el.json.value, state.error.line, state.error.column), state.error.line);
}

// ---------------------------------------------------------------- wiring

function update() {
  clearTimeout(timer);
  timer = 0;
  if (!ready) return;
  const t0 = performance.now();
  readRulesEditor();
  readConsentEditor();
  state = compute(el.json.value, readSettings(), pageProblems());
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
  // A presets example turns on the settings it needs; the others leave the form as it is.
  if (example.settings) {
    fillForm({ ...readForm(), ...asFormValues(example.settings) });
    storeSettings();
  }
  el.example.value = id;
  exampleText = JSON.stringify(example.value, null, 2);
  editor.setText(exampleText);
  el.exampleHint.textContent = example.hint;
  resetPaging();
  update();
}

function setUp() {
  // On a phone the settings and rules start folded, so the output is a short scroll away from the editor.
  if (window.matchMedia("(max-width: 600px)").matches) {
    el.settingsBox.open = false;
    el.rulesBox.open = false;
  }
  for (const example of EXAMPLES) el.example.append(h("option", { value: example.id, text: example.label }));
  for (const example of RULE_EXAMPLES) {
    el.rulesExamples.append(
      h("button", { type: "button", class: "secondary", "data-rule-example": example.id, title: example.hint, text: example.label, onclick: () => applyRuleExample(example.id) }),
    );
  }
  el.rulesExamples.append(
    h("button", {
      type: "button",
      class: "secondary",
      id: "clear-rules",
      text: "Clear",
      "aria-label": "Clear the rules (the classic mapping for every event)",
      onclick: () => {
        rulesEditor.setText("");
        store(RULES_STORAGE_KEY, "");
        el.rulesExampleHint.textContent = "";
        update();
      },
    }),
  );
  fillForm({ ...FORM_DEFAULTS, ...loadStoredSettings() });
  rulesEditor.setText(loadStoredRules());

  el.example.addEventListener("change", () => {
    if (el.example.value) selectExample(el.example.value);
  });
  el.json.addEventListener("input", () => {
    if (el.example.value && el.json.value !== exampleText) {
      el.example.value = "";
      el.exampleHint.textContent = "Your own input.";
    }
    schedule();
  });
  rulesEditor.area.addEventListener("input", () => {
    // The example's hint no longer describes rules edited since.
    if (rulesEditor.value !== ruleExampleText) el.rulesExampleHint.textContent = "";
    store(RULES_STORAGE_KEY, rulesEditor.value);
    schedule();
  });
  el.form.addEventListener("input", (event) => {
    storeSettings();
    if (event.target.type === "checkbox") update();
    else schedule();
  });
  el.form.addEventListener("submit", (event) => event.preventDefault());
  el.reset.addEventListener("click", () => {
    fillForm(FORM_DEFAULTS);
    storeSettings();
    update();
  });
  el.showSecrets.addEventListener("change", () => {
    $("apiSecret").type = el.showSecrets.checked ? "text" : "password";
    if (state) renderRequests(view);
    makeScrollersFocusable();
    renders++;
  });
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
        rules: rules
          ? { text: rules.text, valid: rules.valid, empty: rules.empty, syntax: rules.syntax, problems: rules.problems, applied: rulesApplied() }
          : null,
        groups: state
          ? state.groups.map((g) => ({
              index: g.index,
              status: g.rejected ? "rejected" : g.skipped ? "skipped" : "mapped",
              commandIds: g.commands.map((c) => JSON.parse(c.raw).command_id),
              origins: g.commands.map((c) => c.origin),
              takenBy: g.takenBy,
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
