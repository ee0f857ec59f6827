// JSON text as the user wrote it: split, re-indented and searched without parsing numbers again,
// so every literal is shown exactly as the core read it, and a problem's path can be found in it.
//
// These helpers read text the package (or JSON.parse) has already accepted; on other text they
// return something, never throw, and the caller has the package's own error to show.

const isWs = (c) => c === " " || c === "\n" || c === "\r" || c === "\t";

export function skipWs(text, i) {
  while (i < text.length && isWs(text[i])) i++;
  return i;
}

/** End (exclusive) of the string literal starting at text[i] === '"'. */
export function scanString(text, i) {
  i++;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** End (exclusive) of the JSON value starting at or after i. */
export function scanValue(text, i) {
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

/** Where each item of the array starting at text[i] === '[' starts and ends. */
function itemSpans(text, i) {
  const spans = [];
  i = skipWs(text, i + 1);
  if (text[i] === "]") return spans;
  for (;;) {
    const start = skipWs(text, i);
    const end = scanValue(text, start);
    spans.push({ start, end });
    i = skipWs(text, end);
    if (text[i] !== "," || end <= start) return spans;
    i++;
  }
}

/** Each member of the object starting at text[i] === '{': its key, where the key starts, and where its value starts and ends. */
function memberSpans(text, i) {
  const members = [];
  i = skipWs(text, i + 1);
  if (text[i] !== '"') return members;
  for (;;) {
    const keyStart = skipWs(text, i);
    if (text[keyStart] !== '"') return members;
    const keyEnd = scanString(text, keyStart);
    let key;
    try {
      key = JSON.parse(text.slice(keyStart, keyEnd));
    } catch {
      return members;
    }
    const valueStart = skipWs(text, skipWs(text, keyEnd) + 1);
    const valueEnd = scanValue(text, valueStart);
    members.push({ key, keyStart, valueStart, valueEnd });
    i = skipWs(text, valueEnd);
    if (text[i] !== ",") return members;
    i++;
  }
}

/** The raw text of each item of the array starting at text[i] === '['. */
export function arrayItems(text, i) {
  return itemSpans(text, i).map(({ start, end }) => text.slice(start, end));
}

/** The [key, raw value] pairs of the object starting at text[i] === '{'. */
export function objectEntries(text, i) {
  return memberSpans(text, i).map(({ key, valueStart, valueEnd }) => [key, text.slice(valueStart, valueEnd)]);
}

/**
 * The events of a body the package accepted, as raw JSON text, the way the core splits them:
 * an array, a `{"batch": [...]}` envelope (whose top-level context/integrations apply to every
 * event: `shared` names them, `sharedRaw` holds their text), or one event.
 */
export function splitEvents(text) {
  const start = skipWs(text, 0);
  if (text[start] === "[") return { events: arrayItems(text, start), shared: [], sharedRaw: {} };
  const entries = objectEntries(text, start);
  const batch = entries.find(([key]) => key === "batch");
  if (batch && batch[1] !== "null") {
    const sharedRaw = {};
    for (const [key, raw] of entries) if ((key === "context" || key === "integrations") && raw !== "null") sharedRaw[key] = raw;
    return { events: arrayItems(batch[1], 0), shared: Object.keys(sharedRaw), sharedRaw };
  }
  return { events: [text.slice(start, scanValue(text, start))], shared: [], sharedRaw: {} };
}

/** JSON text re-indented with two spaces, like JSON.stringify(value, null, 2) but keeping every literal exactly. */
export function pretty(text) {
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

/**
 * The steps of a problem path as the core writes it (`[2].properties["first name"]["@path"]`):
 * numbers for indexes, strings for keys. Null when the path cannot be read.
 */
export function parsePath(path) {
  const steps = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === ".") i++;
    if (path[i] === "[") {
      if (path[i + 1] === '"') {
        const end = scanString(path, i + 1);
        try {
          steps.push(JSON.parse(path.slice(i + 1, end)));
        } catch {
          return null;
        }
        i = end;
      } else {
        const digits = /^\d+/.exec(path.slice(i + 1));
        if (!digits) return null;
        steps.push(Number(digits[0]));
        i += 1 + digits[0].length;
      }
      if (path[i] !== "]") return null;
      i++;
    } else {
      const key = /^[^.[]+/.exec(path.slice(i));
      if (!key) return null;
      steps.push(key[0]);
      i += key[0].length;
    }
  }
  return steps;
}

/**
 * Where the value at `steps` is written in `text`: the offset of its key (or of the item, in an
 * array), or, when a step is missing (a required key left out), of the deepest value that is
 * there. `found` says whether every step was.
 */
export function locate(text, steps) {
  let at = skipWs(text, 0);
  let mark = at;
  for (const step of steps) {
    if (typeof step === "number" && text[at] === "[") {
      const item = itemSpans(text, at)[step];
      if (!item) return { offset: mark, found: false };
      at = mark = item.start;
    } else if (typeof step === "string" && text[at] === "{") {
      // JSON.parse keeps the last of a repeated key, and so does the core: point at that one.
      const member = memberSpans(text, at).findLast((m) => m.key === step);
      if (!member) return { offset: mark, found: false };
      mark = member.keyStart;
      at = member.valueStart;
    } else {
      return { offset: mark, found: false };
    }
  }
  return { offset: mark, found: true };
}

/** The 1-based line of an offset. */
export function lineAt(text, offset) {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Offset of a 1-based line and a 1-based column counted in UTF-8 bytes (serde_json's). */
export function offsetOf(text, line, column) {
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
