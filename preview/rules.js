// The Rules panel's reading of its text: the `mappings` setting (or any setting written as JSON,
// such as `consentCategories`), its JSON syntax error or its problems (each found at its path in
// the text), which rules take an event, and which preset row made a command.
//
// Everything is judged by the package itself: validateSettings for the rules' problems,
// matchesSubscription for which rules take an event, and the core's JSON reader for the position
// of a syntax error (the same line and column the event editor shows, in every browser).

import { lineAt, locate, offsetOf, parsePath } from "./jsontext.js";

/** The name a rule is known by in errors and in `origins`: its `name`, else `rule <index>`. */
export function ruleName(rule, index) {
  return rule && typeof rule === "object" && typeof rule.name === "string" ? rule.name : `rule ${index}`;
}

/**
 * Reads the Rules editor's text against valid `base` settings, so the problems found are the
 * rules' own: `{text, empty, value, syntax, problems, valid}`. `syntax` is `{message, line,
 * column, offset}` (line 0: not known); each problem is `{path, message, line, offset, found}` (`found`: the path is
 * written in the text; when not, as for a required key left out, the line is that of the
 * deepest part that is).
 */
export function readRules(text, api, base) {
  return readJsonSetting("mappings", text, api, base);
}

/** Reads the JSON text of setting `key` as readRules reads the rules' (the problems: those under `key`). */
export function readJsonSetting(key, text, api, base) {
  const out = { text, empty: text.trim() === "", value: undefined, syntax: null, problems: [], valid: true };
  if (out.empty) return out;
  try {
    out.value = JSON.parse(text);
  } catch (error) {
    out.syntax = syntaxError(text, error, api, base);
    out.syntax.offset = out.syntax.line ? offsetOf(text, out.syntax.line, out.syntax.column) : 0;
    out.valid = false;
    return out;
  }
  try {
    api.validateSettings({ ...base, [key]: out.value });
  } catch (error) {
    const problems = error.problems ?? [{ field: key, message: error.message }];
    out.problems = problems.map((problem) => placeProblem(key, text, problem));
    out.valid = false;
  }
  return out;
}

/** A problem of setting `key` at its place in the setting's JSON text: `{path, message, line, offset, found}`. */
export function placeProblem(key, text, { field = "", message }) {
  const steps = field === key || field.startsWith(`${key}[`) || field.startsWith(`${key}.`) ? parsePath(field.slice(key.length)) : null;
  const { offset, found } = locate(text, steps ?? []);
  return { path: field, message, offset, line: lineAt(text, offset), found: found && steps !== null };
}

/** Where JSON.parse stopped, as the core's reader reports it (serde_json's line and UTF-8 column). */
function syntaxError(text, parseError, api, base) {
  try {
    api.buildRequestsFromJson(text, base);
  } catch (error) {
    if (error.code === "invalid_json" && error.line) {
      // The title says where; the message says what.
      const message = error.message.replace(/^the body is not valid JSON: /, "").replace(/ \(line \d+, column \d+\)$/, "");
      return { message, line: error.line, column: error.column };
    }
  }
  return { message: parseError.message, line: 0, column: 0 };
}

/**
 * The event as the rules see it: a batch's top-level `context` and `integrations` added, the
 * event's own keys winning (as the core applies them). Null when the text is not an object.
 */
export function eventAsRulesSeeIt(raw, shared) {
  let event;
  try {
    event = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!event || typeof event !== "object" || Array.isArray(event)) return null;
  for (const [field, value] of Object.entries(shared)) {
    const own = event[field];
    if (own === undefined || own === null) event[field] = value;
    else if (typeof own === "object" && !Array.isArray(own)) event[field] = { ...value, ...own };
  }
  return event;
}

/** The indexes of the rules whose subscription takes the event. */
export function rulesTaking(event, rules, matchesSubscription) {
  const taking = [];
  if (!event) return taking;
  rules.forEach((rule, index) => {
    try {
      if (matchesSubscription(rule.subscribe, event)) taking.push(index);
    } catch {
      // A rule set that validated has subscriptions that parse; nothing else can throw here.
    }
  });
  return taking;
}

/** The track event Segment's Consent Management sends when preferences change (RULES.md §4). */
export const CONSENT_EVENT = "Segment Consent Preference Updated";

function consentPresetOn(settings) {
  const categories = settings?.consentCategories;
  return Boolean(categories) && typeof categories === "object" && !Array.isArray(categories) && Object.keys(categories).length > 0;
}

/**
 * Whether the consent preset takes the event (a consent-preference track event with
 * `consentCategories` set): then it makes the event's only commands, and no rule sees it.
 */
export function consentPresetTakes(event, settings) {
  return consentPresetOn(settings) && Boolean(event) && event.type === "track" && event.event === CONSENT_EVENT;
}

/**
 * What made each command of an event, from the package's `origins`: "classic" (null), "preset"
 * or "rule". A preset's label is `ecommerce: <Segment event> → <Bloomreach event>` or `consent`,
 * names no rule may take (README, "Rules"), so the label alone decides.
 */
export function originKinds(origins) {
  return origins.map((origin) => (origin === null ? "classic" : isPresetLabel(origin) ? "preset" : "rule"));
}

/** Whether an `origins` label is a preset row's: `consent`, or `ecommerce: …` (reserved for them). */
export function isPresetLabel(origin) {
  return origin === "consent" || origin.startsWith("ecommerce:");
}
