// The Worker's entry module (build/index.js): worker-build's output (./workers-rs.js) as it is,
// but for the delivery ledger's Durable Object class, which is declared here deriving from the
// runtime's DurableObject and hands every call to the Rust object. The runtime lets a stub call
// a class's RPC methods (the ledger's claimKeys and settleKeys, ledger_object.rs) only when the
// exported class derives from DurableObject; workers-rs 0.8 exports a Rust object's class
// without it (wrapped in a Proxy that re-creates the object after a wasm crash, which is kept:
// the Rust object is made through it). dev/build copies this file next to worker-build's output.
import { DurableObject } from "cloudflare:workers";
import { DeliveryLedger as RustDeliveryLedger } from "./workers-rs.js";

export * from "./workers-rs.js";
export { default } from "./workers-rs.js";

export class DeliveryLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.object = new RustDeliveryLedger(ctx, env);
  }

  fetch(request) {
    return this.object.fetch(request);
  }

  alarm() {
    return this.object.alarm();
  }

  claimKeys(request) {
    return this.object.claimKeys(request);
  }

  settleKeys(request) {
    return this.object.settleKeys(request);
  }
}
