#!/usr/bin/env node
// Sends one event of each Segment call type to the local Worker with @segment/analytics-node (start it with `bash dev/start`).
//
//   node dev/send-sample.mjs [--host http://127.0.0.1:8787] [--write-key dev-write-key]
//
// Prints what the Worker answered; the stand-in's terminal shows the Bloomreach requests.

import { Analytics } from "@segment/analytics-node";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.WORKER_URL ?? "http://127.0.0.1:8787" },
    "write-key": { type: "string", default: process.env.SEGMENT_WRITE_KEY ?? "dev-write-key" },
  },
});

// The client's fetch, wrapped only to show the Worker's answer.
async function showingFetch(url, init) {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  console.log(`POST ${url} -> ${response.status}\n${pretty(text)}`);
  return response;
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const analytics = new Analytics({
  writeKey: values["write-key"],
  host: values.host,
  flushAt: 20,
  maxRetries: 2,
  httpClient: showingFetch,
});
analytics.on("error", (error) => {
  console.error(`analytics-node: ${error.reason?.message ?? error.code ?? error}`);
  process.exitCode = 1;
});

const userId = "user-42";
const anonymousId = "anon-42";
const context = { app: { name: "Sample Shop", version: "1.2.0" }, userAgent: "send-sample/1.0" };

analytics.identify({ userId, anonymousId, traits: { email: "ada@example.com", plan: "pro" } });
analytics.track({ userId, event: "Order Completed", properties: { orderId: "o-1", revenue: 42.5, currency: "EUR" }, context });
analytics.page({ anonymousId, name: "Pricing", category: "Marketing", properties: { path: "/pricing" }, context });
analytics.screen({ userId, name: "Cart", properties: { items: 2 }, context });
analytics.group({ userId, groupId: "acme", traits: { name: "Acme Inc.", employees: 42 } });
analytics.alias({ userId, previousId: anonymousId });
// One the mapping rejects (no userId/anonymousId is impossible with analytics-node, so: no event name via the raw API shape).
analytics.track({ userId, event: "" });

await analytics.closeAndFlush({ timeout: 20_000 });
