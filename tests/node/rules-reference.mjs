// Segment's own packages, as the rules' reference: mapping-kit's transform (@segment/actions-core)
// and FQL's parseFql + validate (@segment/destination-subscriptions), with their results in the
// JSON shapes the rules fixtures and the differential harness (examples/rules_diff.rs) use.
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";

const require = createRequire(import.meta.url);
const { transform } = require("@segment/actions-core");
const validateMapping = require("@segment/actions-core/mapping-kit/validate").default;
const { parseFql, generateFql, validate } = require("@segment/destination-subscriptions");

export { generateFql };

/** A fresh copy of JSON data (transform writes defaults into some mappings' options). */
const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/**
 * The reference's output as JSON would carry it: functions and `undefined` members dropped,
 * `undefined` array elements `null`, and half surrogate pairs as U+FFFD (as UTF-8 encoding
 * writes them; Rust strings cannot hold them).
 */
export function asJson(value) {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value, (_key, v) => (typeof v === "string" ? v.toWellFormed() : v));
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * transform(mapping, payload) as `{output}`, `{undefined: true}`, `{invalid: message}` (the
 * mapping fails validation) or `{throws: message}`. With `field`, the mapping is one field's
 * value: transform({value: mapping}, payload).value.
 */
export function referenceTransform(mapping, payload, { field = false } = {}) {
  try {
    const whole = field ? { value: copy(mapping) } : copy(mapping);
    let out = transform(whole, copy(payload));
    if (field) out = out.value;
    const json = asJson(out);
    return json === undefined ? { undefined: true } : { output: json };
  } catch (error) {
    const message = String(error?.message ?? error).slice(0, 300).toWellFormed();
    return rejectedByValidation(field ? { value: mapping } : mapping) ? { invalid: message } : { throws: message };
  }
}

/**
 * Whether validation rejects a whole mapping before anything resolves (so on every payload).
 * Only decided for a plain object mapping: `transform` spreads other values first, and also
 * validates `@transform`'s `apply` only when it runs.
 */
function rejectedByValidation(whole) {
  if (whole === null || typeof whole !== "object" || Array.isArray(whole)) return false;
  if (Object.hasOwn(whole, "__segment_internal_directive")) return false;
  try {
    validateMapping({ ...copy(whole) });
    return false;
  } catch {
    return true;
  }
}

/** parseFql + validate: `{error: message}` or `{matches: [bool | null (validate threw)]}`. */
export function referenceFql(query, events) {
  const ast = parseFql(query);
  if (ast.error) return { error: String(ast.error.message).toWellFormed() };
  return {
    matches: events.map((event) => {
      try {
        return validate(ast, copy(event));
      } catch {
        return null;
      }
    }),
  };
}

/**
 * Whether the reference reads as written a query generateFql wrote from `tree`: parseFql gives
 * back that tree, with a group of one read as its one child and a group alone at the top as
 * its content (which generateFql writes in parentheses, but means the same).
 */
export function readAsWritten(query, tree) {
  const ast = parseFql(query);
  return !ast.error && isDeepStrictEqual(ast, asParsed(tree, true));
}

/** A condition tree as parseFql gives it when it reads the tree's text as written. */
function asParsed(node, top = false) {
  if (node.type !== "group") return node;
  const children = node.children.map((child) => asParsed(child));
  if (children.length !== 1) return { ...node, children };
  if (!top) return children[0];
  return children[0].type === "group" ? children[0] : { type: "group", operator: "and", children };
}
