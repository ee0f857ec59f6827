// Seeded random generators for the rules' differential test: Segment-like events with odd
// values, mapping-kit mappings using every directive (valid, broken and nested), FQL queries
// (grammatical, and broken or lenient ones) and FQL condition trees as Segment holds
// subscriptions. The same seed gives the same cases.

/** A small fast PRNG (mulberry32) with helpers. */
export function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** One of [weight, make] pairs, by weight. */
    weighted: (pairs) => {
      const total = pairs.reduce((sum, [w]) => sum + w, 0);
      let r = next() * total;
      for (const [w, make] of pairs) {
        if ((r -= w) < 0) return make();
      }
      return pairs[pairs.length - 1][1]();
    },
  };
  return rng;
}

// Keys the payloads use and the paths read. No inherited JavaScript member names (constructor,
// toString, __proto__, array and string methods): the reference reads functions there
// (a documented difference).
const KEYS = ["a", "b", "c", "x", "total", "items", "name", "price", "0", "1", "2", "10", "x y", "é", "length", "$", "a.b", ""];
const WORDS = ["", "a", "b", "A", "abc", "\u0001\u001f\u007f", 'q"uo\\te', "ＡＢ", "ǆ", "µ", "ΐ", "Order Completed", "track", "page", "identify", "x y", "ß", "İstanbul", "Σίσυφος", "😀", "a😀b", "{{a}}", "{{{b}}}", "$&", "null", "true", "12", "1.50", "-3", "0x10", " 7 ", "[1,2]", '{"a":1}', '"q"', "a.b", "\u2028", "tab\there", "ǅ", "ﬀ"];
const NUMBERS = [0, 1, -1, 2, 10, 1.5, -0.25, 100, 1e21, 1e-7, 123456789012, 0.1, 3.14159, 2 ** 53 + 2, -1e300];

export function text(rng) {
  return rng.chance(0.85) ? rng.pick(WORDS) : rng.pick(WORDS) + rng.pick(WORDS);
}

export function scalar(rng) {
  return rng.weighted([
    [4, () => text(rng)],
    [3, () => rng.pick(NUMBERS)],
    // Doubles of every sign and size, with up to 12 significant digits: serde_json's fast float
    // parsing reads those exactly (17-digit ones may come out one unit off; docs/rules.md).
    [1, () => Number(((rng.chance(0.5) ? 1 : -1) * rng.next() * 10 ** (rng.int(22) - 6)).toPrecision(1 + rng.int(12)))],
    [1, () => rng.chance(0.5)],
    [2, () => null],
  ]);
}

/** A JSON value of some depth, with the shared keys. */
export function jsonValue(rng, depth = 3) {
  if (depth <= 0 || rng.chance(0.45)) return scalar(rng);
  if (rng.chance(0.4)) return Array.from({ length: rng.int(4) }, () => jsonValue(rng, depth - 1));
  const object = {};
  for (let i = rng.int(5); i > 0; i--) object[rng.pick(KEYS)] = jsonValue(rng, depth - 1);
  return object;
}

/** A Segment-like event with odd values. */
export function event(rng) {
  const e = {};
  if (rng.chance(0.9)) e.type = rng.pick(["track", "page", "identify", "group", "screen", "alias", "Track", text(rng)]);
  if (rng.chance(0.7)) e.event = rng.chance(0.7) ? rng.pick(["Order Completed", "Product Viewed", "a", "abc", ""]) : scalar(rng);
  if (rng.chance(0.3)) e.name = rng.chance(0.7) ? rng.pick(["Home", "a", "abc", ""]) : scalar(rng);
  if (rng.chance(0.7)) e.userId = rng.chance(0.7) ? rng.pick(["user-1", "u", "abc", "42", ""]) : scalar(rng);
  if (rng.chance(0.5)) e.anonymousId = rng.pick(["anon-1", "a"]);
  if (rng.chance(0.5)) e.messageId = `m-${rng.int(1000)}`;
  if (rng.chance(0.4)) e.timestamp = rng.pick(["2024-03-04T15:32:56.409Z", 1709566376, "bad"]);
  for (const field of ["properties", "traits", "context"]) {
    if (rng.chance(0.75)) {
      const object = {};
      for (let i = rng.int(6); i > 0; i--) object[rng.pick(KEYS)] = jsonValue(rng, 3);
      if (rng.chance(0.3)) {
        object.items = Array.from({ length: rng.int(4) }, () =>
          rng.chance(0.8) ? { name: text(rng), price: rng.pick(NUMBERS), a: jsonValue(rng, 2) } : jsonValue(rng, 2),
        );
      }
      e[field] = object;
    } else if (rng.chance(0.2)) {
      e[field] = scalar(rng);
    }
  }
  if (rng.chance(0.3)) e[rng.pick(KEYS)] = jsonValue(rng, 2);
  return e;
}

/** A path as mapping-kit reads it (`$.a.b`, `a[0]`, `a['x y']`, odd ones). */
function path(rng) {
  const parts = [];
  const top = rng.pick(["properties", "traits", "context", "event", "type", "userId", "items", "a", "x", "name", "price"]);
  parts.push(top);
  for (let i = rng.int(3); i > 0; i--) {
    const key = rng.pick(KEYS);
    parts.push(
      rng.weighted([
        [5, () => `.${key}`],
        [1, () => `[${rng.int(3)}]`],
        [1, () => `['${key}']`],
        [1, () => `["${key}"]`],
      ]),
    );
  }
  const written = parts.join("");
  return rng.weighted([
    [8, () => `$.${written}`],
    [2, () => written],
    [1, () => rng.pick(["$.", ".", "", "$", "..", "$..a", "a.$.b", "$$.a", "a[b]", "a]]", "[0]", "items.length", "$.properties.items.length"])],
  ]);
}

function template(rng) {
  const pieces = [];
  for (let i = 1 + rng.int(4); i > 0; i--) {
    pieces.push(
      rng.weighted([
        [4, () => text(rng)],
        [4, () => `{{${rng.pick(["", " ", "  "])}${path(rng).replace(/^\$\./, "")}${rng.pick(["", " "])}}}`],
        [1, () => `{{{${path(rng).replace(/^\$\./, "")}}}}`],
        [1, () => rng.pick(["{{", "}}", "{", "}", "{{}}", "{{ }}", "{{.}}", "{{{", "}}}"])],
      ]),
    );
  }
  return pieces.join("");
}

/** A mapping value: raw values and directives, nested up to `depth`. */
export function mapping(rng, depth = 4) {
  if (depth <= 0) return rng.chance(0.5) ? scalar(rng) : { "@path": path(rng) };
  const m = (d = depth - 1) => mapping(rng, d);
  const maybe = (p, make) => (rng.chance(p) ? make() : undefined);
  const falsy = () => rng.pick([0, "", false, null]);
  const options = (entries) => Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  return rng.weighted([
    [6, () => scalar(rng)],
    [3, () => {
      const object = {};
      for (let i = rng.int(4); i > 0; i--) object[rng.pick(KEYS)] = m();
      return object;
    }],
    [1, () => Array.from({ length: rng.int(3) }, () => m())],
    [8, () => ({ "@path": rng.chance(0.95) ? path(rng) : m() })],
    [5, () => ({ "@template": rng.chance(0.95) ? template(rng) : m() })],
    [2, () => ({ "@literal": m() })],
    [4, () => ({
      "@if": options([
        [rng.chance(0.6) ? "exists" : "blank", rng.chance(0.9) ? m() : falsy()],
        ["then", maybe(0.8, () => m())],
        ["else", maybe(0.6, () => (rng.chance(0.8) ? m() : falsy()))],
        ...(rng.chance(0.1) ? [["blank", m()]] : []),
      ]),
    })],
    [3, () => ({
      "@arrayPath": rng.chance(0.95)
        ? [rng.chance(0.8) ? path(rng) : m(), ...(rng.chance(0.8) ? [rng.chance(0.8) ? object(rng, depth - 1) : m()] : [])]
        : m(),
    })],
    [2, () => ({
      "@case": options([
        ["operator", maybe(0.9, () => rng.pick(["lower", "upper", "upper", "lower", "title", ""]))],
        ["value", maybe(0.9, () => (rng.chance(0.7) ? directive(rng, depth - 1) : text(rng)))],
      ]),
    })],
    [3, () => ({
      "@replace": options([
        ["pattern", maybe(0.97, () => rng.pick([".", "a", "A", "b", "-", "$", "*", "(", "\\", " ", "ß", "SS", "s", "😀", "ab", "é", "{{", ".", "a", "b", rng.chance(0.2) ? rng.pick(["abcdefghijk", "", 5]) : "a"]))],
        ["replacement", maybe(0.8, () => rng.pick(["", "x", "$&", "$`", "$'", "$$", "$1", "$<n>", "[$&]", "abcdefghijk", null]))],
        ["value", maybe(0.97, () => (rng.chance(0.7) ? directive(rng, depth - 1) : text(rng)))],
        ["ignorecase", maybe(0.4, () => rng.pick([true, false, true, false, "yes"]))],
        ["global", maybe(0.4, () => rng.pick([true, false, true, false, 1]))],
        ["pattern2", maybe(0.2, () => rng.pick(["a", "b", "", "abcdefghijkl", 3]))],
        ["replacement2", maybe(0.2, () => rng.pick(["", "y", "abcdefghijkl", 4]))],
      ]),
    })],
    [2, () => ({
      "@merge": options([
        ["direction", maybe(0.9, () => rng.pick(["left", "right", "right", "LEFT", "up"]))],
        ["objects", maybe(0.95, () => (rng.chance(0.95) ? Array.from({ length: rng.int(4) }, () => (rng.chance(0.6) ? object(rng, depth - 1) : m())) : m()))],
      ]),
    })],
    [2, () => ({
      "@transform": options([
        ["apply", maybe(0.95, () => (rng.chance(0.9) ? object(rng, depth - 1) : m()))],
        ["mapping", maybe(0.95, () => (rng.chance(0.7) ? object(rng, depth - 1) : m()))],
      ]),
    })],
    [2, () => ({
      "@flatten": options([
        ["separator", maybe(0.9, () => (rng.chance(0.85) ? rng.pick([".", "_", "/", "", "->"]) : m()))],
        ["value", maybe(0.95, () => m())],
        ["omitArrays", maybe(0.4, () => rng.pick([true, false, 1, "x"]))],
      ]),
    })],
    [2, () => ({
      "@json": options([
        ["mode", maybe(0.95, () => rng.pick(["encode", "decode", "encode", "decode", "ENCODE", "other", ""]))],
        ["value", maybe(0.95, () => (rng.chance(0.8) ? m() : rng.pick(['{"a":[1,2.50,"x"]}', "[1, 2", "17", '"s"', "null", "tru"])))],
      ]),
    })],
    [2, () => ({ "@excludeWhenNull": m() })],
    [0.5, () => rng.pick([
      { "@unknown": m() },
      { "@path": path(rng), "@template": template(rng) },
      { "@path": path(rng), other: m() },
      { "@path": path(rng), _metadata: { any: "thing" } },
      { "@if": m() },
      { "@case": m() },
      { "@replace": m() },
      { "@json": m() },
      { "@flatten": m() },
      { "@merge": m() },
      { "@transform": m() },
      { "@arrayPath": [] },
    ])],
  ]);
}

/** A directive (mostly one that reads the payload). */
export function directive(rng, depth) {
  for (;;) {
    const m = mapping(rng, Math.max(depth, 1));
    if (m !== null && typeof m === "object" && !Array.isArray(m) && Object.keys(m).some((k) => k.startsWith("@"))) return m;
    if (rng.chance(0.3)) return { "@path": path(rng) };
  }
}

/** A plain object mapping (no @ key) of `depth`. */
export function object(rng, depth = 3) {
  const result = {};
  for (let i = 1 + rng.int(3); i > 0; i--) result[rng.pick(KEYS)] = mapping(rng, depth);
  return result;
}

/** A whole mapping as transform() takes it: usually an object, sometimes anything. */
export function wholeMapping(rng) {
  return rng.weighted([
    [20, () => object(rng, 3)],
    [3, () => mapping(rng, 4)],
    [1, () => ({ __segment_internal_directive: rng.pick([mapping(rng, 2), { "@transform": { apply: object(rng, 2) } }]), ...object(rng, 2) })],
  ]);
}

// ---- FQL ----

const FQL_WORDS = ["Order Completed", "a", "abc", "", "track", "page", "user-1", "42", "12", "x y", "é", "😀", "null", "true", "Home", "A"];

function fqlField(rng, { functionField = false } = {}) {
  const segment = () =>
    rng.weighted([
      [6, () => rng.pick(["a", "b", "total", "items", "name", "price", "x", "length", "c"])],
      [1, () => `\\${rng.int(3)}`],
      [1, () => "x\\ y"],
    ]);
  return rng.weighted([
    [functionField ? 0 : 2, () => "type"],
    [3, () => "event"],
    [1, () => "name"],
    [2, () => "userId"],
    [6, () => `${rng.pick(["properties", "traits", "context"])}.${Array.from({ length: 1 + rng.int(2) }, segment).join(".")}`],
  ]);
}

function fqlValue(rng) {
  return rng.weighted([
    [5, () => `"${rng.pick(FQL_WORDS)}"`],
    [1, () => `'${rng.pick(FQL_WORDS)}'`],
    [3, () => String(rng.pick([0, 1, -1, 2, 10, 1.5, 100, 42, 12, "+3", "007", "-0.5", "1.0"]))],
    [2, () => "null"],
    [2, () => rng.pick(["true", "false"])],
    [1, () => rng.pick(["abc", "Home", "track", "a"])],
  ]);
}

function fqlCondition(rng) {
  return rng.weighted([
    [6, () => `${fqlField(rng)} ${rng.pick(["=", "!=", "=", "!=", "<", "<=", ">", ">="])} ${fqlValue(rng)}`],
    [2, () => `${rng.chance(0.3) ? "!" : ""}contains(${fqlField(rng, { functionField: true })}, ${rng.chance(0.9) ? '"' + rng.pick(FQL_WORDS).replace(/"/g, "") + '"' : "'a'"})`],
    [2, () => {
      const word = rng.pick(FQL_WORDS).replace(/[*"]/g, "");
      const pattern = rng.pick([`${word}*`, `*${word}`, "*"]);
      return `${rng.chance(0.3) ? "!" : ""}match(${fqlField(rng, { functionField: true })}, "${pattern}")`;
    }],
  ]);
}

/** A query from the grammar both implementations read the same way (a function in a group only last). */
export function grammaticalQuery(rng) {
  const sequence = (inner) => {
    const connective = rng.pick(["and", "or"]);
    const length = 1 + rng.int(3);
    const units = Array.from({ length }, (_, i) => {
      if (!inner) return rng.chance(0.75) ? fqlCondition(rng) : `(${sequence(true)})`;
      return i === length - 1 && rng.chance(0.4) ? fqlCondition(rng) : simpleCondition(rng);
    });
    return units.join(` ${connective} `);
  };
  return sequence(false);
}

function simpleCondition(rng) {
  return `${fqlField(rng)} ${rng.pick(["=", "!=", "<", ">=", ">", "<="])} ${fqlValue(rng)}`;
}

/** A broken or lenient query: a grammatical one cut, spliced or mixed with stray tokens. */
export function brokenQuery(rng) {
  const base = grammaticalQuery(rng);
  // Cut between characters, never inside a surrogate pair.
  const chars = Array.from(base);
  const cut = (at) => chars.slice(0, at).join("");
  const rest = (at) => chars.slice(at).join("");
  return rng.weighted([
    [3, () => cut(rng.int(chars.length + 1))],
    [2, () => {
      const at = rng.int(chars.length + 1);
      return cut(at) + rng.pick(["(", ")", " and", " or ", "!", "=", '"', "'", ",", ".", "\\", "#", " x", "\r", "5", "<=5", "nul", "an"]) + rest(at);
    }],
    [1, () => `${base} ${rng.pick(["and", "or", "and and", "x", '"y"', ")", "(", "()"])}`],
    [1, () => `${rng.pick(["and ", "or ", "(", ")"])}${base}`],
    [1, () => rng.pick(["", " ", "type =", "type = ", "event", "(type = \"a\"", "type = \"a\" or (event = \"b\" and (name = \"c\"))", "contains(type, \"a\")", "match(event, \"abc\")", "match(event, \"a*c\")", "!(type = \"a\")", "a or b", "type=\"a\"", "properties.a<=5", "constructor = \"a\"", "properties = 1", "type.x = \"track\"", "(contains(event, \"a\") or event = \"b\")", "()", "type = \"a\" or ()"])],
    [1, () => `${fqlCondition(rng)} ${rng.pick(["and", "or"])} ${fqlCondition(rng)} ${rng.pick(["and", "or"])} ${fqlCondition(rng)}`],
  ]);
}

const FQL_VALUES = [...FQL_WORDS, "'a'", 0, 1, -1, 2, 10, 1.5, 100, 42, 12, 3, 7, -0.5, true, false, null];
const FQL_SEGMENTS = ["a", "b", "total", "items", "name", "price", "x", "length", "c", "0", "1", "x y"];

/** A value for an FQL field: from the queries' vocabulary, sometimes nested. */
function fqlFieldValue(rng, depth) {
  return rng.weighted([
    [6, () => rng.pick(FQL_VALUES)],
    [depth > 0 ? 2 : 0, () => {
      const object = {};
      for (let i = 1 + rng.int(4); i > 0; i--) object[rng.pick(FQL_SEGMENTS)] = fqlFieldValue(rng, depth - 1);
      return object;
    }],
    [depth > 0 ? 1 : 0, () => Array.from({ length: rng.int(3) }, () => fqlFieldValue(rng, depth - 1))],
  ]);
}

/** Events likely to make a query's conditions true and false. */
export function fqlEvents(rng, count) {
  return Array.from({ length: count }, () => {
    const e = rng.chance(0.2) ? event(rng) : {};
    for (const field of ["type", "event", "name", "userId"]) {
      if (rng.chance(0.7)) e[field] = rng.chance(0.8) ? rng.pick(FQL_WORDS) : rng.pick(FQL_VALUES);
    }
    for (const field of ["properties", "traits", "context"]) {
      if (rng.chance(0.85)) e[field] = fqlFieldValue(rng, 3);
      if (e[field] && typeof e[field] === "object" && !Array.isArray(e[field])) {
        for (const key of FQL_SEGMENTS) if (rng.chance(0.3)) e[field][key] = fqlFieldValue(rng, 2);
      }
    }
    return e;
  });
}

/** Sets a dotted FQL field (`properties.a.b`) in an event. */
function plant(e, field, value) {
  const keys = field.replace(/\\(.)/g, "$1").split(".");
  let at = e;
  for (const key of keys.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== "object" || Array.isArray(at[key])) at[key] = {};
    at = at[key];
  }
  at[keys[keys.length - 1]] = value;
}

/**
 * Events for a query: generated ones, half of them with the fields the query names set to the
 * values it compares with (or near them), so conditions come out both true and false.
 */
export function targetedEvents(rng, query, count) {
  const events = fqlEvents(rng, count);
  const conditions = [...query.matchAll(/((?:[\w-]|\\.)+(?:\.(?:[\w-]|\\.)+)*)\s*(=|!=|<=|>=|<|>)\s*("[^"]*"|'[^']*'|[^\s()]+)/g)];
  const functions = [...query.matchAll(/(contains|match)\(((?:[\w-]|\\.)+(?:\.(?:[\w-]|\\.)+)*),\s*"([^"]*)"\)/g)];
  for (const e of events.slice(0, Math.ceil(count / 2))) {
    for (const [, field, , written] of conditions) {
      if (!rng.chance(0.7)) continue;
      const quoted = written.length >= 2 && written.startsWith('"') && written.endsWith('"');
      let value = quoted ? written.slice(1, -1) : written === "null" ? null : written === "true" ? true : written === "false" ? false : Number.isNaN(Number(written)) ? written : Number(written);
      if (typeof value === "number" && rng.chance(0.5)) value += rng.pick([-1, 1, 0.5]);
      if (rng.chance(0.15)) value = String(value);
      plant(e, field, typeof value === "string" ? value.toWellFormed() : value);
    }
    for (const [, , field, needle] of functions) {
      const bare = needle.replace(/\*/g, "").toWellFormed();
      if (rng.chance(0.7)) plant(e, field, rng.pick([bare, `x${bare}`, `${bare}y`, "zzz"]));
    }
  }
  return events;
}

// ---- FQL condition trees, as Segment's tools hold subscriptions ----

// Values and field names as a user types them into Segment's subscription form, and now and then
// an odd one, some of which generateFql writes so that the reference misreads them (a `"` in a
// value, a name that is a number, a number JavaScript writes with an exponent). No `*` in a
// match() value (the pattern would be ambiguous, and is refused on purpose: docs/rules.md) and no
// character outside the BMP in a field name (generateFql escapes each half of it, which a Rust
// string cannot carry).
const TREE_WORDS = ["Order Completed", "Order", "a", "abc", "", "track", "page", "Checkout", "user-1", "42", "1.5", "x y", "é", "null", "true", "Home"];
const ODD_TREE_WORDS = ["😀", "a\\b", "(", ")", "and", "or", ",", "'a'", 'say "hi"'];
const TREE_NAMES = ["a", "b", "total", "price", "x", "items", "a_b", "a-b", "A1", "x y", "é", "a.b", "c.d.e"];
const ODD_TREE_NAMES = ["(x)", "0", "a,b", "a\\b", "null", "and"];
const TREE_NUMBERS = [0, 1, -1, 2, 10, 1.5, -0.25, 100, 42];
const ODD_TREE_NUMBERS = [1e21, 1e-7, 2 ** 53 + 2];

/** Mostly one of the usual values, sometimes an odd one. */
const usually = (rng, usual, odd) => rng.pick(rng.chance(0.92) ? usual : odd);

/** One condition as parseFql gives it, of the kind and with the operators the kind takes. */
function treeCondition(rng) {
  const functions = ["contains", "not_contains", "starts_with", "not_starts_with", "ends_with", "not_ends_with"];
  const type = rng.weighted([
    [2, () => "event-type"],
    [3, () => "event"],
    [1, () => "name"],
    [2, () => "userId"],
    [4, () => "event-property"],
    [2, () => "event-trait"],
    [1, () => "event-context"],
  ]);
  const named = type.startsWith("event-") && type !== "event-type";
  const operator = rng.weighted([
    [6, () => rng.pick(["=", "!="])],
    [type === "event-type" ? 0.2 : 3, () => rng.pick(functions)],
    [type === "userId" || named ? 1 : 0, () => rng.pick(["exists", "not_exists", "is_true", "is_false"])],
    [named ? 2 : 0, () => rng.pick(["<", "<=", ">", ">="])],
  ]);
  const condition = { type, ...(named ? { name: usually(rng, TREE_NAMES, ODD_TREE_NAMES) } : {}), operator };
  if (["exists", "not_exists", "is_true", "is_false"].includes(operator)) return condition;
  if (["<", "<=", ">", ">="].includes(operator)) return { ...condition, value: usually(rng, TREE_NUMBERS, ODD_TREE_NUMBERS) };
  if (functions.includes(operator)) return { ...condition, value: usually(rng, TREE_WORDS, ODD_TREE_WORDS) };
  // `=` and `!=` with a number are parseFql's number_equals and number_not_equals.
  if (named && rng.chance(0.25)) {
    const number = usually(rng, TREE_NUMBERS, ODD_TREE_NUMBERS);
    return { ...condition, operator: operator === "=" ? "number_equals" : "number_not_equals", value: number };
  }
  const value = named && operator === "!=" && rng.chance(0.1) ? rng.chance(0.5) : usually(rng, TREE_WORDS, ODD_TREE_WORDS);
  return { ...condition, value };
}

/**
 * A subscription tree as parseFql gives it and Segment's form holds it: a group of one operator
 * whose children are conditions and groups, groups within groups down to `depth` levels.
 * Segment's `generateFql` writes it as a canonical query.
 */
export function conditionTree(rng, depth = 3) {
  return {
    type: "group",
    operator: rng.pick(["and", "or"]),
    children: Array.from({ length: 1 + rng.int(depth > 1 ? 4 : 3) }, () =>
      depth > 1 && rng.chance(depth > 2 ? 0.25 : 0.05) ? conditionTree(rng, depth - 1) : treeCondition(rng),
    ),
  };
}
