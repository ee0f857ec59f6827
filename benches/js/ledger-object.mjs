// The delivery ledger's object as plain JavaScript, for benches/ledger-floor.mjs: the same table
// and the same three statements as crates/worker/src/ledger_object.rs (a claim reads its keys'
// entries and leases the new ones, a settle writes the delivered ones), with no rules (every key
// is new), so what it costs is the runtime's and SQLite's part of a call. `readOnly` and `noop`
// take the writes out, then everything.
import { DurableObject } from "cloudflare:workers";

const READ_ENTRIES = "SELECT json_group_array(json_array(key, state, owner, until, error)) AS rows FROM entries WHERE key IN (SELECT value FROM json_each(?1))";
const LEASE_ENTRIES = "INSERT INTO entries (key, state, owner, until) SELECT value, 2, ?2, ?3 FROM json_each(?1) WHERE true ON CONFLICT (key) DO UPDATE SET state = 2, owner = excluded.owner, until = excluded.until";
const DELIVER_ENTRIES = "INSERT OR REPLACE INTO entries (key, state, owner, until, error) SELECT value, 1, NULL, ?2, NULL FROM json_each(?1)";

export class JsLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, state INTEGER NOT NULL, owner TEXT, until INTEGER NOT NULL, error TEXT) WITHOUT ROWID");
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
