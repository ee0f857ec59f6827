// The presets in the Worker: ECOMMERCE_EVENTS, CONSENT_CATEGORIES and REQUIRED_CONSENT_CATEGORIES
// (JSON text, or TOML values as [vars] hands them over), reported by /health, applied to what
// senders send exactly as the npm package applies them, and invalid ones making the configuration
// invalid, each problem named by its variable and path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BASE_BINDINGS, catalogSettings, npmPackage, postJson, startWorker } from "./support.mjs";

const CATEGORIES = { Advertising: "marketing", Analytics: "analytics" };
const consent = (preferences) => ({ consent: { categoryPreferences: preferences } });

const EVENTS = [
  {
    type: "track", messageId: "p-1", userId: "u-1", event: "Order Completed", timestamp: "2024-03-04T15:32:56Z", context: consent({ Analytics: true }),
    properties: { order_id: "o-1", total: 30, currency: "EUR", products: [{ product_id: "a", quantity: 1 }, { product_id: "b", quantity: 2 }] },
  },
  { type: "track", messageId: "p-2", userId: "u-1", event: "Segment Consent Preference Updated", timestamp: "2024-05-01T10:00:00.000Z", context: consent({ Advertising: false, Analytics: true }) },
  { type: "track", messageId: "p-3", userId: "u-1", event: "Product Added", context: consent({ Analytics: false }), properties: { product_id: "a" }, timestamp: "2024-05-01T10:00:00.000Z" },
  { type: "track", messageId: "p-4", anonymousId: "a-1", event: "Segment Consent Preference Updated", context: consent({ Other: true }), timestamp: "2024-05-01T10:00:00.000Z" },
  { type: "page", messageId: "p-5", anonymousId: "a-1", name: "Home", timestamp: "2024-05-01T10:00:00.000Z" },
];

for (const [form, bindings] of [
  ["TOML values, as [vars] hands them over", { ECOMMERCE_EVENTS: true, CONSENT_CATEGORIES: CATEGORIES, REQUIRED_CONSENT_CATEGORIES: ["Analytics"] }],
  ["text", { ECOMMERCE_EVENTS: "true", CONSENT_CATEGORIES: JSON.stringify(CATEGORIES), REQUIRED_CONSENT_CATEGORIES: '["Analytics"]' }],
]) {
  test(`presets from their variables as ${form}: /health shows them, the stand-in stores what the npm package maps`, async () => {
    const worker = await startWorker({ bindings });
    try {
      const health = await worker.dispatch("/health", ADMIN);
      assert.equal(health.status, 200);
      const { ecommerceEvents, consentCategories, requiredConsentCategories } = health.json.bloomreach;
      assert.deepEqual({ ecommerceEvents, consentCategories, requiredConsentCategories }, {
        ecommerceEvents: true,
        consentCategories: CATEGORIES,
        requiredConsentCategories: ["Analytics"],
      });

      const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch: EVENTS }));
      assert.equal(status, 200);
      const expected = npmPackage().buildRequests(EVENTS, catalogSettings({ ...BASE_BINDINGS, ...bindings }));
      assert.deepEqual(json.skipped, expected.skipped);
      assert.deepEqual(json.rejected, []);
      const sent = expected.requests.flatMap((r) => JSON.parse(r.body).commands);
      assert.deepEqual(worker.standIn.received.stored.map(({ name, command_id, data }) => ({ name, command_id, data })), sent);
      // What the presets did, whole: a purchase and its two lines, two consent events, the
      // denied cart change and the unmapped preference skipped, a classic page.
      assert.deepEqual(sent.map((c) => [c.command_id, c.data.event_type, c.data.properties.action ?? c.data.properties.purchase_status ?? null]), [
        ["p-1", "purchase", "success"],
        ["p-1:2", "purchase_item", "success"],
        ["p-1:3", "purchase_item", "success"],
        ["p-2", "consent", "reject"],
        ["p-2:2", "consent", "accept"],
        ["p-5", "page_visit", null],
      ]);
      assert.deepEqual(json.skipped.map((s) => [s.messageId, s.code]), [["p-3", "consent_denied"], ["p-4", "consent_unmapped"]]);
      assert.deepEqual(worker.standIn.received.malformedConsents, []);
    } finally {
      await worker.dispose();
    }
  });
}

test("invalid presets make the configuration invalid: /health names each variable and path, ingest answers 503", async () => {
  const bindings = {
    ECOMMERCE_EVENTS: "on",
    CONSENT_CATEGORIES: { Advertising: "Marketing", Analytics: 7 },
    REQUIRED_CONSENT_CATEGORIES: "Analytics",
  };
  const worker = await startWorker({ bindings });
  try {
    const health = await worker.dispatch("/health", ADMIN);
    assert.equal(health.status, 503);
    assert.deepEqual(health.json.config.problems, [
      { variable: "ECOMMERCE_EVENTS", message: "must be true or false" },
      {
        variable: "CONSENT_CATEGORIES",
        message: 'consentCategories.Advertising: must be lowercase: Bloomreach recognises only lowercase consent category IDs (did you mean "marketing"?)',
      },
      { variable: "CONSENT_CATEGORIES", message: "consentCategories.Analytics: must be a string (a Bloomreach consent category ID), got number" },
      {
        variable: "REQUIRED_CONSENT_CATEGORIES",
        message: "must be JSON (an array of Segment category IDs): expected value at line 1 column 1",
      },
    ]);
    const { status, json } = await worker.dispatch("/v1/batch", postJson({ batch: EVENTS }));
    assert.equal(status, 503);
    assert.equal(json.error.code, "config_invalid");
    assert.deepEqual(worker.standIn.received.requests, []);
  } finally {
    await worker.dispose();
  }
});
