// The delivery ledger's object as plain JavaScript, for benches/ledger-floor.mjs: the same tables
// and the same three statements as crates/worker/src/ledger_object.rs (a claim reads its keys'
// entries and leases the new ones, a settle writes the delivered ones), with no rules (every key
// is new), so what it costs is the runtime's and SQLite's part of a call. `readOnly` and `noop`
// take the writes out, then everything.
import { DurableObject } from "cloudflare:workers";

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, state INTEGER NOT NULL, owner TEXT, until INTEGER NOT NULL, error TEXT) WITHOUT ROWID",
  "CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL) WITHOUT ROWID",
  "CREATE TRIGGER IF NOT EXISTS entries_end_lease AFTER INSERT ON entries BEGIN DELETE FROM leases WHERE key = NEW.key; END",
];
const READ_ENTRIES = "SELECT json_group_array(json_array(k.value, e.state, e.owner, e.until, e.error, l.owner, l.until)) AS rows FROM json_each(?1) AS k LEFT JOIN entries AS e ON e.key = k.value LEFT JOIN leases AS l ON l.key = k.value WHERE e.key IS NOT NULL OR l.key IS NOT NULL";
const LEASE_ENTRIES = "INSERT OR REPLACE INTO leases (key, owner, until) SELECT value, ?2, ?3 FROM json_each(?1)";
const DELIVER_ENTRIES = "INSERT OR REPLACE INTO entries (key, state, owner, until, error) SELECT value, 1, NULL, ?2, NULL FROM json_each(?1)";

export class JsLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  claimKeys(text) {
    const request = JSON.parse(text);
    const keys = JSON.stringify(request.keys);
    JSON.parse(this.sql.exec(READ_ENTRIES, keys).one().rows);
    this.sql.exec(LEASE_ENTRIES, keys, request.owner, Date.now() + request.leaseMs);
    return "{}";
  }

  settleKeys(text) {
    const request = JSON.parse(text);
    this.sql.exec(DELIVER_ENTRIES, JSON.stringify(request.delivered), Date.now() + 86_400_000);
    return JSON.stringify({ written: request.delivered.length });
  }

  readOnly(text) {
    const request = JSON.parse(text);
    JSON.parse(this.sql.exec(READ_ENTRIES, JSON.stringify(request.keys)).one().rows);
    return "{}";
  }

  noop() {
    return "{}";
  }
}

export default { fetch: () => new Response("the ledger-floor bench's object", { status: 404 }) };
