// The npm package's JavaScript API over the wasm core: values in, values out, errors with a `code`.
//
// Events cross into wasm as JSON text (one JSON.stringify per event), which is also what
// Segment's own libraries send: `undefined` properties are dropped, a `Date` becomes its ISO
// string, and a NaN deep inside properties becomes null. Values JSON cannot carry at the top
// level of an event (NaN in `timestamp`, a BigInt `userId`, an invalid Date) reject that event.

/** Bodies cross into wasm as UTF-8 bytes, encoded natively (a lone surrogate becomes U+FFFD). */
const utf8 = new TextEncoder();

/** Reused for bodies up to a third of its size (UTF-8 takes at most 3 bytes per UTF-16 unit). */
const scratch = new Uint8Array(48 * 1024);

/** `text` as UTF-8 bytes; short texts are encoded into `scratch` instead of a new array. */
function encodeBody(text) {
  if (text.length * 3 > scratch.length) return utf8.encode(text);
  const { written } = utf8.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

/**
 * Builds the API from the wasm-bindgen module of one target (nodejs, bundler or web).
 * `decodeUtf16(Uint16Array) → string`, where the platform has a fast one (Node's Buffer), is how
 * output with non-ASCII text comes out of the wasm: Node's TextDecoder takes about three times as
 * long on UTF-8 with any non-ASCII character in it as Buffer takes on the same text as UTF-16.
 */
export function createApi(wasm, { decodeUtf16 = null } = {}) {
  const wide = decodeUtf16 !== null;
  /** `buildRequestsFramed`'s output as a string, from wherever the wasm left it. */
  const framed = (out) => (out === "" ? decodeUtf16(wasm.takeWideOutput()) : out);
  // The last settings object and its JSON text, for callers that pass the same object each time.
  let lastSettings = { object: null, entries: [], text: null };
  // What follows from the last settings JSON text: its UTF-8 bytes (as useSettings takes them),
  // the wasm's settings generation once they were made current there, and, once asked of the
  // wasm, how requests are sent (method, URL, headers).
  let current = { json: null, bytes: null, generation: null, target: null };

  /**
   * The settings as JSON text. JSON.stringify was a tenth of mapping one small event, so when the
   * caller passes the same flat object again (own keys in the same order, each holding the same
   * string, number, boolean or null) the last text is reused; anything else is stringified.
   */
  function settingsText(settings) {
    const last = lastSettings;
    if (last.object !== null && settings === last.object && typeof settings.toJSON !== "function") {
      const keys = Object.keys(settings);
      if (keys.length === last.entries.length && keys.every((key, i) => key === last.entries[i][0] && settings[key] === last.entries[i][1])) {
        return last.text;
      }
    }
    const text = encodeSettings(settings);
    const flat =
      settings !== null && typeof settings === "object" && !Array.isArray(settings) && typeof settings.toJSON !== "function" &&
      Object.values(settings).every((value) => value === null || ["string", "number", "boolean"].includes(typeof value));
    lastSettings = flat ? { object: settings, entries: Object.entries(settings), text } : { object: null, entries: [], text: null };
    return text;
  }

  /** `current` for this settings JSON text, made anew only when the text changes. */
  function derived(settingsJson) {
    if (current.json !== settingsJson) current = { json: settingsJson, bytes: utf8.encode(settingsJson), generation: null, target: null };
    return current;
  }

  /**
   * Makes these settings the ones the wasm maps with (throwing when they are not valid), unless
   * they still are: the wasm counts every change of its settings, by any call, in a generation.
   */
  function useSettings(settings) {
    if (settings.generation !== null && settings.generation === wasm.settingsGeneration()) return settings;
    const error = wasm.useSettings(settings.bytes);
    if (error !== "") unwrap(error);
    settings.generation = wasm.settingsGeneration();
    return settings;
  }

  /**
   * `buildRequestsFramed`'s output: a header line (each body's length in UTF-16 code units,
   * comma-separated, `|`, then `{"rejected", "skipped"}` JSON only when one is not empty), then
   * the bodies one after another, so no body is escaped into JSON and unescaped again. An error
   * is `{"error": …}` with no newline.
   */
  function unframe(out, settings) {
    const newline = out.indexOf("\n");
    if (newline < 0) return unwrap(out);
    const bar = out.indexOf("|");
    const issues = bar + 1 < newline ? JSON.parse(out.slice(bar + 1, newline)) : null;
    settings.target ??= unwrap(wasm.requestTargetJson(settings.json));
    const { method, url, headers } = settings.target;
    const authorization = headers.Authorization;
    const contentType = headers["Content-Type"];
    const requests = [];
    let at = newline + 1;
    let length = 0;
    // The lengths are read digit by digit: no slice, split or Number per request.
    for (let i = 0; i < bar; i++) {
      const c = out.charCodeAt(i);
      if (c !== 44 /* , */) length = length * 10 + (c - 48);
      if (c === 44 || i === bar - 1) {
        const body = out.slice(at, (at += length));
        requests.push({ method, url, headers: { Authorization: authorization, "Content-Type": contentType }, body });
        length = 0;
      }
    }
    return { requests, rejected: issues ? issues.rejected : [], skipped: issues ? issues.skipped : [] };
  }

  function mapEvent(event, settings) {
    const encoded = encodeEvent(event);
    const problems = encoded.problem ? [{ index: 0, ...encoded.problem }] : [];
    const result = unwrap(wasm.mapEventJson(encoded.text, settingsText(settings), JSON.stringify(problems)));
    return result.commands;
  }

  function buildRequests(events, settings) {
    if (!Array.isArray(events)) {
      throw mappingError({ code: "invalid_body", message: `buildRequests takes an array of events, got ${describeType(events)}` });
    }
    const parts = new Array(events.length);
    const problems = [];
    for (let index = 0; index < events.length; index++) {
      const encoded = encodeEvent(events[index]);
      parts[index] = encoded.text;
      if (encoded.problem) problems.push({ index, ...encoded.problem });
    }
    const body = "[" + parts.join(",") + "]";
    const settingsNow = useSettings(derived(settingsText(settings)));
    const unrepresentable = problems.length ? JSON.stringify(problems) : undefined;
    return unframe(framed(wasm.buildRequestsFramed(encodeBody(body), unrepresentable, wide)), settingsNow);
  }

  function buildRequestsFromJson(text, settings) {
    if (typeof text !== "string") {
      throw mappingError({ code: "invalid_body", message: `buildRequestsFromJson takes JSON text, got ${describeType(text)}` });
    }
    const settingsNow = useSettings(derived(settingsText(settings)));
    return unframe(framed(wasm.buildRequestsFramed(encodeBody(text), undefined, wide)), settingsNow);
  }

  function validateSettings(settings) {
    return unwrap(wasm.validateSettingsJson(settingsText(settings))).settings;
  }

  function readResponse(request, status, bodyText) {
    if (!request || typeof request.body !== "string") {
      throw mappingError({ code: "invalid_request", message: "readResponse takes a request from buildRequests (with its `body` text)" });
    }
    const code = Number.isInteger(status) && status >= 0 && status <= 999 ? status : 0;
    return unwrap(wasm.readResponseJson(request.body, code, bodyText == null ? "" : String(bodyText))).outcomes;
  }

  return { mapEvent, buildRequests, buildRequestsFromJson, validateSettings, readResponse };
}

/** An Error with the contract's `code` and, where they apply, `problems`, `index`, `messageId`, `line`, `column`. */
function mappingError(detail) {
  const error = new Error(detail.message);
  error.name = "BloomreachMappingError";
  for (const key of ["code", "problems", "index", "messageId", "line", "column"]) {
    if (detail[key] !== undefined && detail[key] !== null) error[key] = detail[key];
  }
  return error;
}

function unwrap(text) {
  const result = JSON.parse(text);
  if (result.error) throw mappingError(result.error);
  return result;
}

function encodeSettings(settings) {
  try {
    return JSON.stringify(settings === undefined ? null : settings);
  } catch (cause) {
    throw mappingError({ code: "invalid_settings", message: `invalid settings: they cannot be turned into JSON (${cause.message})` });
  }
}

/** One event as JSON text, or `null` text plus the reason it cannot be sent. */
function encodeEvent(event) {
  const problem = topLevelProblem(event);
  if (problem) return { text: "null", problem };
  try {
    const text = JSON.stringify(event);
    if (text === undefined) return { text: "null", problem: { field: null, reason: `it is ${describeType(event)}` } };
    return { text, problem: null };
  } catch (cause) {
    return { text: "null", problem: { field: null, reason: cause.message } };
  }
}

/** A top-level field JSON would silently turn into null (NaN, Infinity, an invalid Date) or cannot hold (BigInt). */
function topLevelProblem(event) {
  if (event === null || typeof event !== "object" || Array.isArray(event)) return null;
  for (const field of Object.keys(event)) {
    const value = event[field];
    if (typeof value === "number" && !Number.isFinite(value)) return { field, reason: String(value) };
    if (typeof value === "bigint") return { field, reason: "a BigInt" };
    if (value instanceof Date && Number.isNaN(value.getTime())) return { field, reason: "an invalid Date" };
  }
  return null;
}

function describeType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}
