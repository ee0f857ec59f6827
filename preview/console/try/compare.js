// Comparing what the live configuration and an edited one make of the same events: commands grouped
// by the event they came from, paired in order, and the paths where a pair differs.

/** The commands of a try side's requests, grouped by event index: Map(index → [{command, origin}]). */
export function commandsByEvent(side) {
  const byEvent = new Map();
  for (const request of side?.requests ?? []) {
    let commands = [];
    try {
      commands = JSON.parse(request.body).commands ?? [];
    } catch {
      commands = [];
    }
    commands.forEach((command, k) => {
      const index = Array.isArray(request.events) ? request.events[k] : 0;
      if (!byEvent.has(index)) byEvent.set(index, []);
      byEvent.get(index).push({ command, origin: Array.isArray(request.origins) ? request.origins[k] : null });
    });
  }
  return byEvent;
}

/** Paths (`data.properties.plan`) where two JSON values differ; [] when equal. */
export function differences(a, b, path = "") {
  if (a === b) return [];
  const objects = a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
  if (!objects) return [path || "(value)"];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out = [];
  for (const key of keys) {
    const next = Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!(key in a) || !(key in b)) out.push(next);
    else out.push(...differences(a[key], b[key], next));
  }
  return out;
}

/**
 * Pairs each event's live and edited commands in order: [{index, pairs: [{live, edited, kind, paths}]}]
 * where kind is `same`, `changed`, `added` (edited only) or `removed` (live only).
 */
export function compare(live, edited, eventCount) {
  const a = commandsByEvent(live);
  const b = commandsByEvent(edited);
  const out = [];
  for (let index = 0; index < eventCount; index++) {
    const left = a.get(index) ?? [];
    const right = b.get(index) ?? [];
    const pairs = [];
    for (let k = 0; k < Math.max(left.length, right.length); k++) {
      const l = left[k];
      const r = right[k];
      if (l && r) {
        // command_id is the same for the same event; the origin counts as a difference too.
        const paths = differences(l.command, r.command);
        if ((l.origin ?? null) !== (r.origin ?? null)) paths.push("origin");
        pairs.push({ live: l, edited: r, kind: paths.length ? "changed" : "same", paths });
      } else {
        pairs.push({ live: l ?? null, edited: r ?? null, kind: l ? "removed" : "added", paths: [] });
      }
    }
    out.push({ index, pairs });
  }
  return out;
}
