// What would change from one configuration document to another, grouped source by source and destination by destination, as `config diff` prints it.
//
// Matched as the Worker's own diff (`GET /admin/config/diff`, the core's deployment::diff)
// matches them: sources and destinations by `name` and write keys by `label` or digest, so
// reordering them is no change; other arrays (rules, categories) are compared whole, as their
// order means something.

/** The changes from `before` to `after`: `[{ path, change: "added"|"removed"|"changed", before?, after? }]`. */
export function configChanges(before, after) {
  const changes = [];
  walk("", before, after, changes);
  return changes;
}

function walk(path, before, after, changes) {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    for (const [key, value] of Object.entries(before)) {
      const at = join(path, key);
      if (Object.hasOwn(after, key)) walk(at, value, after[key], changes);
      else changes.push({ path: at, change: "removed", before: value });
    }
    for (const [key, value] of Object.entries(after)) {
      if (!Object.hasOwn(before, key)) changes.push({ path: join(path, key), change: "added", after: value });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && byName(path) && named(before) && named(after)) {
    const a = withoutNames(before);
    const b = withoutNames(after);
    for (const [name, value] of a) {
      const other = b.get(name);
      if (other !== undefined) walk(join(path, name), value, other, changes);
      else changes.push({ path: join(path, name), change: "removed", before: value });
    }
    for (const [name, value] of b) if (!a.has(name)) changes.push({ path: join(path, name), change: "added", after: value });
    return;
  }
  changes.push({ path, change: "changed", before, after });
}

function byName(path) {
  return path === "sources" || path === "destinations" || path.endsWith(".writeKeys");
}

function nameOf(item) {
  if (!isObject(item)) return null;
  for (const key of ["name", "label", "sha256"]) if (typeof item[key] === "string") return item[key];
  return null;
}

function named(items) {
  const names = items.map(nameOf);
  return items.length > 0 && names.every((n) => n !== null) && new Set(names).size === names.length;
}

function withoutNames(items) {
  return new Map(items.map((item) => {
    const { name: _name, ...rest } = item;
    return [nameOf(item), rest];
  }));
}

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const join = (path, key) => (path ? `${path}.${key}` : key);

function same(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

/**
 * The changes as text, one group per source or destination in the order they first change:
 *
 *     source web
 *       ~ settings.trackSessionPing: false → true
 *       + settings.ecommerceEvents: true
 *     source app (added)
 *       + {"destination":"eu",...}
 */
export function changesText(changes) {
  const groups = new Map();
  for (const change of changes) {
    const [list, name, ...rest] = change.path.split(".");
    const title = list === "sources" ? `source ${name}` : list === "destinations" ? `destination ${name}` : change.path;
    const inside = list === "sources" || list === "destinations" ? rest.join(".") : "";
    if (!groups.has(title)) groups.set(title, []);
    groups.get(title).push({ ...change, inside });
  }
  const lines = [];
  for (const [title, list] of groups) {
    const whole = list.length === 1 && list[0].inside === "" && list[0].change !== "changed";
    lines.push(whole ? `${title} (${list[0].change})` : title);
    for (const { change, inside, before, after } of list) {
      const at = inside === "" ? "" : `${inside}: `;
      if (change === "added") lines.push(`  + ${at}${JSON.stringify(after)}`);
      else if (change === "removed") lines.push(`  - ${at}${JSON.stringify(before)}`);
      else lines.push(`  ~ ${at}${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
  }
  return lines.join("\n");
}
