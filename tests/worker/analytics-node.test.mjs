// A real @segment/analytics-node client sends 500 events of every call type to the Worker over HTTP; the stand-in must receive every one, mapped as the npm package maps it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Analytics } from "@segment/analytics-node";
import { BASE_BINDINGS, WRITE_KEY, catalogSettings, npmPackage, startWorker, storedCommands } from "./support.mjs";

const PER_TYPE = 500;
const { mapEvent } = npmPackage();

function sendEverything(analytics) {
  for (let i = 0; i < PER_TYPE; i++) {
    const userId = `user-${i}`;
    const anonymousId = `anon-${i}`;
    const context = { app: { name: "shop", version: `1.${i % 7}` }, device: { type: i % 2 ? "ios" : "android" }, userAgent: "Test/1.0" };
    analytics.track({ userId, event: `Event ${i % 13}`, properties: { i, nested: { a: { b: i } }, list: [1, 2] }, context });
    analytics.identify({ userId, anonymousId, traits: { email: `u${i}@example.com`, address: { city: "Brno" } } });
    analytics.page({ anonymousId, name: `Page ${i % 5}`, category: "Docs", properties: { path: `/p/${i}` }, context });
    analytics.screen({ userId, anonymousId, name: `Screen ${i % 3}`, properties: { n: i } });
    analytics.group({ userId, groupId: `group-${i % 11}`, traits: { name: "Acme", plan: { tier: "pro" } } });
    analytics.alias({ userId, previousId: anonymousId });
  }
}

test("analytics-node → Worker → stand-in: every event of every call type arrives, mapped as the npm package maps it", async () => {
  const bindings = { FLATTEN_NESTED_OBJECTS: "true", TRACK_SESSION_PING: "true" };
  const settings = catalogSettings({ ...BASE_BINDINGS, ...bindings });
  const worker = await startWorker({ bindings, listen: true });
  const sentEvents = [];
  const statuses = [];
  try {
    // The client's own fetch, teed: the exact events it sent are what the expectation is built from.
    const teeFetch = async (url, init) => {
      const body = JSON.parse(init.body);
      assert.equal(body.writeKey, WRITE_KEY);
      sentEvents.push(...body.batch);
      const response = await fetch(url, init);
      statuses.push(response.status);
      return response;
    };
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: worker.url, flushAt: 100, maxRetries: 3, httpClient: teeFetch });
    const errors = [];
    analytics.on("error", (error) => errors.push(error));
    sendEverything(analytics);
    await analytics.closeAndFlush({ timeout: 90_000 });
    assert.deepEqual(errors, []);
    assert.ok(statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);

    const byType = {};
    for (const event of sentEvents) byType[event.type] = (byType[event.type] ?? 0) + 1;
    assert.deepEqual(byType, { track: PER_TYPE, identify: PER_TYPE, page: PER_TYPE, screen: PER_TYPE, group: PER_TYPE, alias: PER_TYPE });

    const stored = storedCommands(worker.standIn);
    let expectedCommands = 0;
    for (const event of sentEvents) {
      for (const command of mapEvent(event, settings)) {
        expectedCommands++;
        const got = stored.get(command.command_id);
        assert.ok(got, `${event.type} ${event.messageId}: command ${command.command_id} never arrived`);
        assert.deepEqual(got, [command], `${event.type} ${event.messageId}: command ${command.command_id}`);
      }
    }
    // Page and screen with an anonymousId also send a session_ping.
    assert.equal(expectedCommands, 6 * PER_TYPE + 2 * PER_TYPE);
    assert.equal(worker.standIn.received.stored.length, expectedCommands, "nothing else arrived");
    assert.ok(worker.standIn.received.requests.every((r) => r.commands <= 50 && r.status === 200));
    const lines = worker.logLines("request");
    assert.equal(lines.reduce((n, l) => n + l.events, 0), 6 * PER_TYPE);
  } finally {
    await worker.dispose();
  }
});
