// CPU-profiles the Rust Worker (build/) and the plain-JS Worker (benches/js/worker.mjs) inside
// workerd, through its V8 inspector: the same /v1/batch body sent N times to each, against an
// instant upstream, then the busy (non-idle) CPU time per request and the functions that took it.
//
//   bash dev/build --worker && node benches/workerd-profile.mjs [--events=100] [--size=typical] [--requests=30] [--top=25] [--save=dir]
//   node benches/workerd-profile.mjs --ledger ...   # the Rust Worker without and with its delivery
//     ledger instead (fresh messageIds each request; the ledger's objects run in the same isolate
//     under workerd, so their CPU is in the profile)
//
// Wall time measured from Node (benches/workerd-bench.mjs) includes Miniflare's loopback HTTP
// hops, which both Workers pay alike; the profile shows only what runs in each Worker's isolate —
// the CPU time Cloudflare bills. `--save` writes both profiles (`.cpuprofile`, for Chrome DevTools).
import { Miniflare } from "miniflare";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import * as corpus from "./corpus.mjs";
import { benchWorkers, instantUpstream, postBatch, quietStdio, requireWorkerBuild } from "./workerd-support.mjs";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100" },
    size: { type: "string", default: "typical" },
    requests: { type: "string", default: "30" },
    top: { type: "string", default: "25" },
    port: { type: "string", default: "9329" },
    interval: { type: "string", default: "100" },
    save: { type: "string" },
    ledger: { type: "boolean", default: false },
  },
});
requireWorkerBuild();
const upstream = instantUpstream();
const workers = benchWorkers((request) => upstream.handle(request), { unsafeInspectorProxy: true });
if (values.ledger) workers[1] = { ...workers[0], name: "rust-ledger", durableObjects: { DELIVERY_LEDGER: { className: "DeliveryLedger", useSQLite: true } } };
const names = values.ledger ? ["rust", "rust-ledger"] : ["rust", "js"];
const mf = new Miniflare({ inspectorPort: Number(values.port), workers, handleRuntimeStdio: quietStdio });

/** A minimal Chrome DevTools Protocol client over one WebSocket. */
async function inspector(url) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let next = 1;
  const pending = new Map();
  socket.on("message", (data) => {
    const message = JSON.parse(data);
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  });
  return {
    send(method, params = {}) {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) =>
        pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result))),
      );
    },
    close: () => socket.close(),
  };
}

/** Self time per function (ms) from a V8 CPU profile, and the busy total (all but idle). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(node.id, (selfUs.get(node.id) ?? 0) + dt);
  }
  const byName = new Map();
  const byKind = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || "(anonymous)";
    if (name === "(idle)" || name === "(program)") continue;
    busy += us;
    const kind = /\.wasm/.test(url) ? "wasm (Rust)" : url ? `JS ${path.basename(url)}` : "runtime (native)";
    byKind.set(kind, (byKind.get(kind) ?? 0) + us);
    const key = `${name}  ${url ? `${path.basename(url)}:${lineNumber + 1}` : ""}`;
    byName.set(key, (byName.get(key) ?? 0) + us);
  }
  return { busy: busy / 1000, kinds: [...byKind].sort((a, b) => b[1] - a[1]), top: [...byName].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000]) };
}

try {
  await mf.ready;
  const body = corpus.body(values.size, Number(values.events));
  const requests = Number(values.requests);
  const results = {};
  let fresh = 0;
  for (const name of names) {
    const worker = await mf.getWorker(name);
    const send = async () => {
      const { status, text } = await postBatch(worker, body.replaceAll('"messageId":"', `"messageId":"p${fresh++}-`));
      if (status !== 200) throw new Error(`${name}: ${status} ${text.slice(0, 200)}`);
    };
    for (let i = 0; i < 5; i++) await send(); // compile, JIT
    const cdp = await inspector(`ws://127.0.0.1:${values.port}/${name}`);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: Number(values.interval) });
    await cdp.send("Profiler.start");
    for (let i = 0; i < requests; i++) await send();
    const { profile } = await cdp.send("Profiler.stop");
    cdp.close();
    results[name] = summarize(profile);
    if (values.save) {
      mkdirSync(values.save, { recursive: true });
      writeFileSync(path.join(values.save, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  }
  console.log(`\n${values.events} ${values.size} events (${body.length} bytes), ${requests} requests each`);
  const [a, b] = names;
  console.log(`busy CPU per request in the isolate: ${b} ${(results[b].busy / requests).toFixed(2)} ms, ${a} ${(results[a].busy / requests).toFixed(2)} ms, ${a} vs ${b} ${(results[b].busy / results[a].busy).toFixed(2)}×`);
  for (const name of names) {
    console.log(`\n${name}: ms per request by where the code lives: ${results[name].kinds.map(([k, us]) => `${k} ${(us / 1000 / requests).toFixed(2)}`).join(", ")}`);
    console.log(`${name}: top functions by self time, ms per request`);
    for (const [key, ms] of results[name].top.slice(0, Number(values.top))) {
      console.log(`${(ms / requests).toFixed(3).padStart(8)}  ${key}`);
    }
  }
} finally {
  await mf.dispose();
}
