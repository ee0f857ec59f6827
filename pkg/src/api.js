// The npm package's JavaScript API over the wasm core: values in, values out, errors with a `code`.
//
// Events cross into wasm as JSON text (one JSON.stringify per event), which is also what
// Segment's own libraries send: `undefined` properties are dropped, a `Date` becomes its ISO
// string, and a NaN deep inside properties becomes null. Values JSON cannot carry at the top
// level of an event (NaN in `timestamp`, a BigInt `userId`, an invalid Date) reject that event.

/** Bodies cross into wasm as UTF-8 where there is no Node Buffer (a lone surrogate becomes U+FFFD). */
const utf8 = new TextEncoder();

/** The most wasm memory reserved to encode a body into directly, without knowing its UTF-8 length. */
const ENCODE_IN_PLACE_MAX = 1 << 20;

/**
 * Builds the API from the wasm-bindgen module of one target (nodejs, bundler or web).
 *
 * Bodies are written straight into wasm memory and output with non-ASCII text is read straight
 * out of it. With Node's `Buffer` (`options.Buffer`, passed by the package's Node entry points)
 * a body that is all ASCII is copied in as it is, any other goes in as UTF-16, and output with
 * non-ASCII text comes out as Latin-1 or UTF-16: Node's TextEncoder and TextDecoder take several
 * times longer on text with any non-ASCII character in it. Elsewhere bodies go in as UTF-8
 * (`encodeInto`) and output comes out as UTF-8.
 */
export function createApi(wasm, { Buffer: NodeBuffer = null } = {}) {
  const memory = wasm.wasmMemory();
  const wide = NodeBuffer !== null;

  /**
   * Writes `text` into the wasm's body buffer; returns its length there and whether it is UTF-16.
   * The memory's buffer is looked up after the wasm has made room, which may have grown it.
   */
  function writeBody(text) {
    if (wide) {
      const bytes = NodeBuffer.byteLength(text, "utf8");
      if (bytes === text.length) {
        const at = wasm.bodyBuffer(bytes);
        NodeBuffer.from(memory.buffer, at, bytes).write(text, 0, bytes, "latin1"); // all ASCII: copied as it is
        return { length: bytes, utf16: false };
      }
      const at = wasm.bodyBufferUtf16(text.length);
      NodeBuffer.from(memory.buffer, at, text.length * 2).write(text, 0, text.length * 2, "utf16le");
      return { length: text.length, utf16: true };
    }
    const room = text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (room > ENCODE_IN_PLACE_MAX) {
      // Not three times a large body's length of wasm memory, kept from then on: its exact bytes.
      const bytes = utf8.encode(text);
      const at = wasm.bodyBuffer(bytes.length);
      new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
      return { length: bytes.length, utf16: false };
    }
    const at = wasm.bodyBuffer(room);
    const { written } = utf8.encodeInto(text, new Uint8Array(memory.buffer, at, room));
    return { length: written, utf16: false };
  }

  /** Maps the body text with the settings made current, and returns the framed output as a string. */
  function buildFramed(text, unrepresentable) {
    const body = writeBody(text);
    return readAnswer(wasm.buildRequestsFramed(body.length, body.utf16, unrepresentable, wide));
  }

  /** A wasm answer, read out of wasm memory when it was kept there as Latin-1 or UTF-16. */
  function readAnswer(out) {
    if (out !== "latin1" && out !== "utf16") return out;
    const utf16 = out === "utf16";
    const at = wasm.outputAddress(utf16);
    const length = wasm.outputLength(utf16);
    return NodeBuffer.from(memory.buffer, at, length).toString(utf16 ? "utf16le" : "latin1");
  }

  // What follows from the last settings JSON text: its UTF-8 bytes (as useSettings takes them),
  // the wasm's settings generation once they were made current there, and, once asked of the
  // wasm, how requests are sent (method, URL, headers).
  let current = { json: null, bytes: null, generation: null, target: null };

  /**
   * The settings as JSON text. JSON.stringify was a tenth of mapping one small event, and with
   * rules (`mappings`) a fifth of mapping one typical event, so the text is reused while the caller
   * passes the same settings again (`jsonCache`).
   */
  const settingsText = jsonCache(encodeSettings);

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
   * `buildRequestsFramed`'s output: a header line, then the bodies one after another, so no body
   * is escaped into JSON and unescaped again. The header holds, per request (`;`-separated), its
   * body's length in UTF-16 code units, `:`, and the event index of each of its commands as runs
   * (`a-b` for a..b, comma-separated); then `|` and `{"rejected", "skipped"}` JSON (with
   * `origins`, per request, when rules made commands) only when one is not empty. An error is
   * `{"error": …}` with no newline.
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
    // Read digit by digit: no slice, split or Number per request.
    let number = 0;
    let length = 0;
    let runStart = -1;
    let events = null;
    for (let i = 0; i < bar; i++) {
      const c = out.charCodeAt(i);
      if (c >= 48 /* 0 */ && c <= 57 /* 9 */) {
        number = number * 10 + (c - 48);
        if (i !== bar - 1) continue;
      }
      if (c === 58 /* : */) {
        length = number;
        events = [];
      } else if (c === 45 /* - */) {
        runStart = number;
      } else {
        // `,`, `;` or the header's end: a run (or one index) is complete.
        for (let event = runStart < 0 ? number : runStart; event <= number; event++) events.push(event);
        runStart = -1;
        if (c !== 44 /* , */) {
          const body = out.slice(at, (at += length));
          const request = { method, url, headers: { Authorization: authorization, "Content-Type": contentType }, body, events };
          if (issues?.origins) request.origins = issues.origins[requests.length];
          requests.push(request);
        }
      }
      number = 0;
    }
    return { requests, rejected: issues ? issues.rejected : [], skipped: issues ? issues.skipped : [] };
  }

  function mapEvent(event, settings) {
    const encoded = encodeEvent(event);
    useSettings(derived(settingsText(settings)));
    const unrepresentable = encoded.problem ? JSON.stringify([{ index: 0, ...encoded.problem }]) : undefined;
    const body = writeBody(encoded.text);
    return unwrap(readAnswer(wasm.mapEventCurrent(body.length, body.utf16, unrepresentable, wide))).commands;
  }

  function buildRequests(events, settings) {
    if (!Array.isArray(events)) {
      throw mappingError({ code: "invalid_body", message: `buildRequests takes an array of events, got ${describeType(events)}` });
    }
    const settingsNow = useSettings(derived(settingsText(settings)));
    const whole = wholeArrayText(events);
    if (whole !== null) return unframe(buildFramed(whole, undefined), settingsNow);
    const parts = new Array(events.length);
    const problems = [];
    for (let index = 0; index < events.length; index++) {
      const encoded = encodeEvent(events[index]);
      parts[index] = encoded.text;
      if (encoded.problem) problems.push({ index, ...encoded.problem });
    }
    const body = "[" + parts.join(",") + "]";
    const unrepresentable = problems.length ? JSON.stringify(problems) : undefined;
    return unframe(buildFramed(body, unrepresentable), settingsNow);
  }

  function buildRequestsFromJson(text, settings) {
    if (typeof text !== "string") {
      throw mappingError({ code: "invalid_body", message: `buildRequestsFromJson takes JSON text, got ${describeType(text)}` });
    }
    const settingsNow = useSettings(derived(settingsText(settings)));
    return unframe(buildFramed(text, undefined), settingsNow);
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

  // Mappings compiled in wasm, by their JSON text, in the order they were compiled: at most
  // MAX_COMPILED, the first compiled dropped first (and compiled again if it is used again).
  const compiledByText = new Map();
  // Mapping objects seen, with a snapshot of the plain data each held when it was compiled and
  // what it compiled to: the same object unchanged is neither stringified nor looked up again.
  const compiledByObject = new WeakMap();

  /** `{text, slot, reads}`: the mapping of this JSON text compiled in a wasm slot (throws `invalid_mapping`). */
  function compiledText(text) {
    const known = compiledByText.get(text);
    if (known !== undefined) return known;
    const answer = unwrap(wasm.compileMapping(text));
    const compiled = { text, slot: answer.slot, reads: answer.reads };
    compiledByText.set(text, compiled);
    if (compiledByText.size > MAX_COMPILED) {
      const [firstText, first] = compiledByText.entries().next().value;
      compiledByText.delete(firstText);
      wasm.dropMapping(first.slot);
      first.slot = -1;
    }
    return compiled;
  }

  /** A mapping value compiled: found by the object when it is the same plain data as before, else by its text. */
  function compiledMapping(mapping) {
    if (mapping === null || typeof mapping !== "object") return compiledText(jsonOf(mapping, "invalid_mapping", "mapping"));
    const known = compiledByObject.get(mapping);
    if (known !== undefined && sameData(mapping, known.snapshot)) {
      if (known.compiled.slot < 0) known.compiled = compiledText(known.compiled.text);
      return known.compiled;
    }
    const snapshot = snapshotOf(mapping);
    // Written from the snapshot, so text and snapshot come from one reading (see jsonCache).
    const text = snapshot === NOT_PLAIN ? jsonOf(mapping, "invalid_mapping", "mapping") : JSON.stringify(plainOf(snapshot));
    const compiled = compiledText(text);
    if (snapshot !== NOT_PLAIN) compiledByObject.set(mapping, { snapshot, compiled });
    return compiled;
  }

  /**
   * The compiled mapping's output for `payload`. Only what the mapping reads of the payload is
   * stringified and written into wasm memory (`projected`): the output is the same, and an event
   * carries much the mapping never looks at (its `context` is most of a typical event).
   */
  function transformCompiled(compiled, payload) {
    const sent = compiled.reads === null ? payload : projected(payload, compiled.reads);
    const body = writeBody(jsonOf(sent, "mapping_failed", "payload"));
    return unwrap(readAnswer(wasm.transformMapping(compiled.slot, body.length, body.utf16, wide))).output;
  }

  /**
   * `transformCompiled` of each payload, in one call into wasm: the payloads' read parts are
   * stringified as one array and the outputs come back as one JSON text, where one call per
   * payload paid the crossing's fixed cost each time (more than a one-`@path` mapping costs).
   */
  function transformCompiledMany(compiled, payloads) {
    if (!Array.isArray(payloads)) {
      throw mappingError({ code: "mapping_failed", message: `transformMany takes an array of payloads, got ${describeType(payloads)}` });
    }
    const sent = new Array(payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i] === undefined ? {} : payloads[i]; // as transform's default
      sent[i] = compiled.reads === null ? payload : projected(payload, compiled.reads);
    }
    const body = writeBody(jsonOf(sent, "mapping_failed", "payloads"));
    const answer = unwrap(readAnswer(wasm.transformMappingMany(compiled.slot, body.length, body.utf16, wide)));
    const outputs = answer.outputs;
    if (answer.undefined) for (const index of answer.undefined) outputs[index] = undefined;
    return outputs;
  }

  function transform(mapping, payload = {}) {
    return transformCompiled(compiledMapping(mapping), payload);
  }

  /**
   * The mapping compiled once, as it is now (later changes to the object do not change it), for
   * mapping many payloads without comparing it with what was compiled on every call. It stays
   * usable however many mappings are compiled after it: dropped from wasm, it is compiled again.
   */
  function compileMapping(mapping) {
    let compiled = compiledMapping(mapping);
    return {
      transform(payload = {}) {
        if (compiled.slot < 0) compiled = compiledText(compiled.text);
        return transformCompiled(compiled, payload);
      },
      transformMany(payloads) {
        if (compiled.slot < 0) compiled = compiledText(compiled.text);
        return transformCompiledMany(compiled, payloads);
      },
    };
  }

  function validateMapping(mapping) {
    unwrap(wasm.validateMappingJson(jsonOf(mapping, "invalid_mapping", "mapping")));
  }

  function matchesSubscription(subscribe, event) {
    if (typeof subscribe !== "string") {
      throw mappingError({ code: "invalid_subscription", message: `matchesSubscription takes FQL text, got ${describeType(subscribe)}` });
    }
    const out = wasm.matchesSubscriptionJson(subscribe, jsonOf(event, "invalid_event", "event"));
    if (out === "true") return true;
    if (out === "false") return false;
    return unwrap(out);
  }

  return { mapEvent, buildRequests, buildRequestsFromJson, validateSettings, readResponse, transform, compileMapping, validateMapping, matchesSubscription };
}

/** The most mappings kept compiled in wasm at once (by `transform`). */
const MAX_COMPILED = 128;

/**
 * What of `value` a mapping reading `reads` (from `compileMapping`: an object of the members it
 * reads, each `true` for all of it or such an object in turn) needs: a plain object keeps only
 * those of its own enumerable members, projected in turn; anything else (an array, whose `length`
 * and indexes a path reads; an object with a `toJSON`; a boxed or class value) is kept whole, so
 * that JSON.stringify writes of it exactly what it would write of it inside the whole payload.
 */
function projected(value, reads) {
  if (value === null || typeof value !== "object" || typeof value.toJSON === "function") return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out = {};
  for (const key in reads) {
    if (!propertyIsEnumerable.call(value, key)) continue;
    const inner = reads[key];
    out[key] = inner === true ? value[key] : projected(value[key], inner);
  }
  return out;
}

const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

/** A mapping or payload as JSON text (`null` for what JSON cannot hold, such as `undefined`). */
function jsonOf(value, code, what) {
  try {
    return JSON.stringify(value) ?? "null";
  } catch (cause) {
    throw mappingError({ code, message: `the ${what} cannot be turned into JSON (${cause.message})` });
  }
}

/**
 * `encode` (a JSON.stringify) with its last text kept, beside a snapshot of the plain data it was
 * made from: while the value passed is the same plain data again (the same object unchanged, or
 * another holding the same), the text is reused; comparing costs a quarter of stringifying.
 * Any change is seen, a mutated object's included: the value is compared with the snapshot on
 * every call. The text is written from the snapshot, so both come from one reading of each value
 * (a getter may answer differently each time it is read). Values JSON.stringify might not write
 * as they read (a `toJSON`, a class instance, `undefined`, a function, NaN, a BigInt anywhere)
 * are stringified every time.
 */
function jsonCache(encode) {
  let last = { snapshot: NOT_PLAIN, text: null };
  return (value) => {
    if (last.snapshot !== NOT_PLAIN && sameData(value, last.snapshot)) return last.text;
    const snapshot = snapshotOf(value);
    const text = snapshot === NOT_PLAIN ? encode(value) : encode(plainOf(snapshot));
    last = { snapshot, text };
    return text;
  };
}

/** The snapshot of what is not plain data (and so is never the same as a value). */
const NOT_PLAIN = Symbol("not plain data");

/** A plain object's own enumerable keys and their values' snapshots. */
class Entries {
  constructor(keys, values) {
    this.keys = keys;
    this.values = values;
  }
}

/**
 * Plain data (objects of Object.prototype or none, arrays, strings, finite numbers, booleans,
 * null) copied: arrays as arrays, objects as `Entries`; `NOT_PLAIN` for anything else inside.
 */
function snapshotOf(value) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : NOT_PLAIN;
  if (typeof value !== "object" || typeof value.toJSON === "function") return NOT_PLAIN;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return NOT_PLAIN;
    const items = new Array(value.length);
    for (let i = 0; i < value.length; i++) if ((items[i] = snapshotOf(value[i])) === NOT_PLAIN) return NOT_PLAIN;
    return items;
  }
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const keys = Object.keys(value);
  const values = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) if ((values[i] = snapshotOf(value[keys[i]])) === NOT_PLAIN) return NOT_PLAIN;
  return new Entries(keys, values);
}

/** A snapshot as the plain data it copied. */
function plainOf(snapshot) {
  if (typeof snapshot !== "object" || snapshot === null) return snapshot;
  if (Array.isArray(snapshot)) return snapshot.map(plainOf);
  const { keys, values } = snapshot;
  const object = {};
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === "__proto__") Object.defineProperty(object, "__proto__", { value: plainOf(values[i]), enumerable: true, writable: true, configurable: true });
    else object[keys[i]] = plainOf(values[i]);
  }
  return object;
}

/** Whether `value` is the plain data `snapshot` holds: the same keys in the same order, the same values. */
function sameData(value, snapshot) {
  if (typeof snapshot !== "object" || snapshot === null) return value === snapshot;
  if (typeof value !== "object" || value === null || typeof value.toJSON === "function") return false;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(snapshot)) {
    if (!Array.isArray(value) || proto !== Array.prototype || value.length !== snapshot.length) return false;
    for (let i = 0; i < snapshot.length; i++) if (!sameData(value[i], snapshot[i])) return false;
    return true;
  }
  if ((proto !== Object.prototype && proto !== null) || Array.isArray(value)) return false;
  // for-in walks own enumerable keys in Object.keys order, then inherited ones: Object.prototype
  // has none unless something added one, and then the keys differ from the snapshot's.
  const { keys, values } = snapshot;
  let n = 0;
  for (const key in value) {
    if (n === keys.length || key !== keys[n] || !sameData(value[key], values[n])) return false;
    n++;
  }
  return n === keys.length;
}

/**
 * An Error with the contract's `code` and, where they apply, `problems`, `index`, `messageId`, `line`,
 * `column`. Exported for the `segment-bloomreach/config` wrapper (`config.js`), whose errors are the same.
 */
export function mappingError(detail) {
  const error = new Error(detail.message);
  error.name = "BloomreachMappingError";
  // JavaScriptCore (Bun, Safari) gives every Error its own `line` and `column` (where it was
  // made): only an `invalid_json` error carries the body's, so no other may seem to.
  delete error.line;
  delete error.column;
  for (const key of ["code", "problems", "index", "messageId", "line", "column"]) {
    if (detail[key] !== undefined && detail[key] !== null) error[key] = detail[key];
  }
  return error;
}

/** A wasm answer as a value, or its `{"error"}` thrown as a `mappingError`. */
export function unwrap(text) {
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

/**
 * The events' JSON text in one JSON.stringify of the array (about half the time of one per
 * event and a join), or `null` when that text could differ from the events' texts joined or an
 * event cannot be sent: an element that is not an object or has a `toJSON` (which JSON.stringify
 * calls with the element's index here, with `""` alone), a top-level field JSON cannot hold, an
 * array with its own `toJSON`, or a value that makes JSON.stringify throw (a cycle, a BigInt).
 * The caller then encodes event by event, which finds each problem and its event.
 */
function wholeArrayText(events) {
  if (typeof events.toJSON === "function") return null;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (event === null || typeof event !== "object" || typeof event.toJSON === "function" || topLevelProblem(event)) return null;
  }
  try {
    return JSON.stringify(events);
  } catch {
    return null;
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
