// The `mappings` rules in the Worker: from BLOOMREACH_MAPPINGS (JSON text, or an array as a TOML
// array in [vars] arrives), applied to what senders send exactly as the npm package applies them,
// and an invalid rule making the whole configuration invalid, each problem named by its path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BASE_BINDINGS, catalogSettings, npmPackage, postJson, startWorker } from "./support.mjs";

const RULES = [
  { name: "signup", subscribe: 'type = "track" and event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } },
  {
    name: "order lines",
    subscribe: 'event = "Order Completed"',
    forEach: { "@path": "$.properties.products" },
    eventType: "order_line",
    properties: { order: { "@path": "$.properties.order_id" }, product: { "@path": "$.item.product_id" } },
    keepDefault: true,
  },
];

const EVENTS = [
  { type: "track", messageId: "r-1", userId: "u-1", event: "Signed Up", properties: { plan: "pro", dropped: true }, timestamp: "2024-05-01T10:00:00.000Z" },
  { type: "track", messageId: "r-2", userId: "u-1", event: "Order Completed", properties: { order_id: "o-1", products: [{ product_id: "a" }, { product_id: "b" }] }, timestamp: "2024-05-01T10:00:00.000Z" },
  { type: "page", messageId: "r-3", anonymousId: "a-1", name: "Home", timestamp: "2024-05-01T10:00:00.000Z" },
  { type: "track", messageId: "r-4", userId: "u-1", event: "Signed Up", properties: { plan: 3 }, timestamp: "2024-05-01T10:00:00.000Z" },
];

for (const [form, value] of [
  ["an array, as a TOML array in [vars] arrives", RULES],
  ["JSON text", JSON.stringify(RULES)],
]) {
  test(`rules from BLOOMREACH_MAPPINGS as ${form}: stored exactly as the npm package maps them`, async () => {
    const bindings = { BLOOMREACH_MAPPINGS: value };
    const worker = await startWorker({ bindings });
    try {
      const health = await worker.dispatch("/health", ADMIN);
      assert.equal(health.status, 200);
      assert.deepEqual(health.json.bloomreach.rules, ["signup", "order lines"]);

      const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch: EVENTS }));
      assert.equal(status, 200);
      const expected = npmPackage().buildRequests(EVENTS, catalogSettings({ ...BASE_BINDINGS, ...bindings }));
      assert.deepEqual(
        json.rejected.map(({ index, code }) => ({ index, code })),
        expected.rejected.map(({ index, code }) => ({ index, code })),
      );
      const sent = expected.requests.flatMap((r) => JSON.parse(r.body).commands);
      assert.deepEqual(worker.standIn.received.stored.map(({ name, command_id, data }) => ({ name, command_id, data })), sent);
      // What the rules did, whole: a renamed event, two order lines and the classic order
      // (keepDefault), a classic page, and the plan of the wrong type is still a plan.
      assert.deepEqual(sent.map((c) => [c.command_id, c.data.event_type]), [
        ["r-1", "registration"],
        ["r-2", "order_line"],
        ["r-2:2", "order_line"],
        ["r-2:3", "Order Completed"],
        ["r-3", "page_visit"],
        ["r-4", "registration"],
      ]);
    } finally {
      await worker.dispose();
    }
  });
}

test("an invalid rule makes the configuration invalid: /health lists each problem with its path, ingest answers 503", async () => {
  const bindings = { BLOOMREACH_MAPPINGS: [{ subscribe: "type =", eventType: { "@liquid": "{{ event }}" } }, { eventType: "x" }] };
  const worker = await startWorker({ bindings });
  try {
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.status, 503);
    assert.deepEqual(
      health.json.config.problems.map((p) => [p.variable, p.message.split(": ")[0]]),
      [
        ["BLOOMREACH_MAPPINGS", "mappings[0].subscribe"],
        ["BLOOMREACH_MAPPINGS", 'mappings[0].eventType["@liquid"]'],
        ["BLOOMREACH_MAPPINGS", "mappings[1].subscribe"],
      ],
    );
    const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch: EVENTS }));
    assert.equal(status, 503);
    assert.equal(json.error.code, "config_invalid");
    assert.equal(json.error.problems.length, 3);
    assert.equal(worker.standIn.received.requests.length, 0, "nothing is sent with invalid rules");
  } finally {
    await worker.dispose();
  }
});
