// The configuration file (`segment-bloomreach.toml`): read as TOML, written back with the old file's comments kept where their place still exists.
//
// The file is the configuration document in TOML, plus one key of the command line's own,
// `baseVersion`: the live version the file was last pulled from or pushed as (0: nothing was
// stored yet), which `push` sends so the Worker refuses the push when someone published since.
// It is never part of the configuration sent.
//
// Comments: `pull` writes the whole file anew (smol-toml's layout), then puts back the old file's
// comments: the block at the top of the file, the comment lines just above a table header or a
// key, and a comment at the end of a header's or a key's line. Each is found again by where it
// stood in the document, with sources, destinations, write keys and rules known by their name
// (`sources.web.settings.mappings.signup.eventType`), so reordering or another source's changes
// do not move it. A comment whose table or key is gone is dropped (and counted).

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parse, stringify } from "smol-toml";

/** The command line's own top-level key: the live version the file was pulled from. */
export const BASE_VERSION_KEY = "baseVersion";

/** The file read: `{ text, config, baseVersion }` (baseVersion: a number, or null when absent), or `{ problem }`. */
export function readConfigFile(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { problem: `${path}: ${error.code === "ENOENT" ? "no such file" : `cannot be read (${error.code ?? error.message})`}` };
  }
  let document;
  try {
    document = parse(text);
  } catch (error) {
    // Only the first line of the parser's message: the rest quotes the file, which may hold a write key.
    const why = String(error.message ?? error).split("\n")[0].replace(/^Invalid TOML document: /, "");
    const where = error.line ? ` (line ${error.line}, column ${error.column})` : "";
    return { problem: `${path} is not valid TOML${where}: ${why}` };
  }
  const { [BASE_VERSION_KEY]: baseVersion, ...config } = document;
  if (baseVersion !== undefined && !(Number.isSafeInteger(baseVersion) && baseVersion >= 0)) {
    return { problem: `${path}: ${BASE_VERSION_KEY} must be a version number (0 or more), as pull writes it` };
  }
  return { text, config, baseVersion: baseVersion ?? null };
}

/**
 * The TOML text of `config` with `baseVersion` first, and the comments of `oldText` (the file as it
 * was, or null) put back where their place still exists. Returns `{ text, dropped }` (comments
 * that had no place any more), or `{ problem }` when the configuration holds what TOML cannot
 * (null).
 */
export function configText(config, baseVersion, oldText) {
  const nulls = nullPaths(config, "");
  if (nulls.length > 0) {
    return { problem: `the configuration holds null at ${nulls.slice(0, 5).join(", ")}${nulls.length > 5 ? ", …" : ""}, which TOML cannot write` };
  }
  const body = literalQuotes(stringify(config).replace(/\n+$/, ""));
  const text = `${BASE_VERSION_KEY} = ${baseVersion}\n\n${body}\n`;
  if (oldText === null) return { text: withHeader(text, defaultHeader()), dropped: 0 };
  let old;
  try {
    old = parse(oldText);
  } catch {
    return { text: withHeader(text, defaultHeader()), dropped: 0 };
  }
  const comments = collectComments(oldText, old);
  return placeComments(text, { ...config, [BASE_VERSION_KEY]: baseVersion }, comments);
}

/** `text` with only its `baseVersion` line changed (or added at the top), everything else as it was. */
export function withBaseVersion(text, baseVersion) {
  const line = new RegExp(`^(\\s*${BASE_VERSION_KEY}\\s*=\\s*)\\d+`, "m");
  if (line.test(text)) return text.replace(line, `$1${baseVersion}`);
  return `${BASE_VERSION_KEY} = ${baseVersion}\n${text}`;
}

/** Writes `text` to `path` whole (a temporary file renamed over it), so a failure leaves the old file. */
export function writeConfigFile(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * A string value holding `"` written as a TOML literal string (`'type = "track"'`) instead of
 * smol-toml's escapes, when it can be (no `'`, no control character): FQL subscriptions read as
 * they are written.
 */
function literalQuotes(text) {
  return text.replace(/^(\s*(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)\s*=\s*)("(?:[^"\\]|\\.)*")$/gm, (line, key, value) => {
    if (!value.includes('\\"')) return line;
    let raw;
    try {
      raw = JSON.parse(value);
    } catch {
      return line;
    }
    return raw.includes("'") || /[\u0000-\u001f\u007f]/.test(raw) ? line : `${key}'${raw}'`;
  });
}

function defaultHeader() {
  return [
    "# The configuration of a segment-bloomreach Worker: its destinations (Bloomreach projects) and",
    "# sources. `segment-bloomreach config --help` tells how to validate, diff, push and pull it.",
    "# baseVersion is the live version this file was pulled from: push refuses if it is not live any more.",
  ];
}

function withHeader(text, header) {
  return `${header.join("\n")}\n${text}`;
}

function nullPaths(value, path) {
  if (value === null) return [path || "(the top)"];
  if (Array.isArray(value)) return value.flatMap((item, i) => nullPaths(item, `${path}[${i}]`));
  if (typeof value === "object") return Object.entries(value).flatMap(([k, v]) => nullPaths(v, path ? `${path}.${k}` : k));
  return [];
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=/;

/**
 * The place in `document` of each line of its TOML `text` that is a table header or a key (null
 * for other lines): `sources."web".settings.trackSessionPing`, elements of arrays of tables named
 * by their `name`, else `label`, else their position (`#0`).
 */
function anchorsOf(text, document) {
  const counts = new Map(); // array path → elements opened so far
  let table = "";
  return text.split("\n").map((line) => {
    const header = HEADER.exec(line);
    if (header) {
      const keys = splitKeys(header[2]);
      let anchor = "";
      let value = document;
      keys.forEach((key, i) => {
        anchor = anchor ? `${anchor}.${key}` : key;
        value = value?.[key];
        if (!Array.isArray(value)) return;
        let index = (counts.get(anchor) ?? 0) - 1;
        if (i === keys.length - 1 && header[1] === "[[") {
          index += 1;
          counts.set(anchor, index + 1);
          // A new element: the arrays inside the previous one are counted again.
          for (const known of counts.keys()) if (known.startsWith(`${anchor}.`)) counts.delete(known);
        }
        index = Math.max(index, 0);
        value = value[index];
        anchor = `${anchor}.${elementName(value, index)}`;
      });
      table = anchor;
      return anchor;
    }
    const key = KEY.exec(line);
    if (!key) return null;
    return table ? `${table}.${unquote(key[1])}` : unquote(key[1]);
  });
}

function elementName(value, index) {
  const name = value && typeof value === "object" ? (typeof value.name === "string" ? value.name : typeof value.label === "string" ? value.label : null) : null;
  return name === null ? `#${index}` : JSON.stringify(name);
}

function splitKeys(text) {
  const keys = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)/gy;
  let match;
  while ((match = pattern.exec(text)) && match[0] !== "") keys.push(unquote(match[1]));
  return keys;
}

function unquote(key) {
  if (key.startsWith('"')) return JSON.parse(key);
  if (key.startsWith("'")) return key.slice(1, -1);
  return key;
}

/** The comment at the end of a line, outside strings (null when none). */
function trailingComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#") {
      return line.slice(i).trimEnd();
    }
  }
  return null;
}

/**
 * The old file's comments: `header` (the block at the top, up to the last blank line before the
 * first table or key), `above` (anchor → the comment lines right above it), `after` (anchor → the
 * comment at the end of its line), `last` (comment lines after the last table or key).
 */
function collectComments(text, document) {
  const lines = text.split("\n");
  const anchors = anchorsOf(text, document);
  const isComment = (line) => /^\s*#/.test(line);
  let first = lines.findIndex((line) => !isComment(line) && line.trim() !== "");
  if (first < 0) first = lines.length;
  let cut = first;
  while (cut > 0 && lines[cut - 1].trim() !== "") cut--;
  if (first === lines.length) cut = lines.length;
  const header = lines.slice(0, cut);
  while (header.length > 0 && header[header.length - 1].trim() === "") header.pop();
  const above = new Map();
  const after = new Map();
  let pending = [];
  for (let i = cut; i < lines.length; i++) {
    const line = lines[i];
    if (isComment(line)) {
      pending.push(line.trim());
    } else if (anchors[i] !== null) {
      if (pending.length > 0) above.set(anchors[i], pending);
      pending = [];
      const comment = trailingComment(line);
      if (comment) after.set(anchors[i], comment);
    } else if (line.trim() !== "") {
      pending = []; // inside a value written over several lines: no place to keep it
    }
  }
  return { header, above, after, last: pending };
}

/** `text` with `comments` put back; `{ text, dropped }`. */
function placeComments(text, document, comments) {
  const lines = text.split("\n");
  const anchors = anchorsOf(text, document);
  const out = comments.header.length > 0 ? [...comments.header, ""] : [];
  const used = new Set();
  lines.forEach((line, i) => {
    const anchor = anchors[i];
    if (anchor === null) return out.push(line);
    const above = comments.above.get(anchor);
    if (above) {
      out.push(...above);
      used.add(`above ${anchor}`);
    }
    const after = comments.after.get(anchor);
    if (after) used.add(`after ${anchor}`);
    out.push(after ? `${line} ${after}` : line);
  });
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  if (comments.last.length > 0) out.push("", ...comments.last);
  let dropped = 0;
  for (const [anchor, above] of comments.above) if (!used.has(`above ${anchor}`)) dropped += above.length;
  for (const anchor of comments.after.keys()) if (!used.has(`after ${anchor}`)) dropped += 1;
  return { text: `${out.join("\n")}\n`, dropped };
}
