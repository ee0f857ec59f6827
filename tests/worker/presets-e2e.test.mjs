// End to end with the presets on: the real @segment/analytics-node sends an order, a refund, a
// consent change and an event the consent denies to the Worker under `wrangler dev` (real workerd,
// its presets set in a wrangler.toml as TOML values), which delivers to the Bloomreach stand-in over
// HTTP. The stand-in must receive exactly the purchase, purchase_item and consent events written
// out below (by hand, from RULES.md §3-4), well-formed as Bloomreach's consent management reads them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Analytics } from "@segment/analytics-node";
import { createStandIn } from "../../dev/bloomreach-stand-in.mjs";
import { builtWorkerApp, removeDir, startWranglerDev } from "../runtimes/support.mjs";
import { ADMIN, ADMIN_TOKEN, API_KEY, PROJECT_TOKEN, WRITE_KEY } from "./support.mjs";

const standIn = createStandIn({ projectToken: PROJECT_TOKEN, apiKey: API_KEY, log: null });
let scratch;
let worker;

before(async () => {
  const { url } = await standIn.listen({ port: 0, host: "127.0.0.1" });
  // The built Worker with a configuration of its own (no [build] step: it is built already).
  scratch = builtWorkerApp(
    "segment-bloomreach-presets-e2e",
    `[vars]
BLOOMREACH_API_BASE_URL = "${url}/"
BLOOMREACH_PROJECT_TOKEN = "${PROJECT_TOKEN}"
BLOOMREACH_API_KEY = "${API_KEY}"
BLOOMREACH_HARD_ID = "registered"
BLOOMREACH_SOFT_ID = "cookie"
SEGMENT_WRITE_KEY = "${WRITE_KEY}"
ADMIN_TOKEN = "${ADMIN_TOKEN}"
ECOMMERCE_EVENTS = true
REQUIRED_CONSENT_CATEGORIES = ["Analytics"]

[vars.CONSENT_CATEGORIES]
Advertising = "marketing"
Analytics = "analytics"
`,
  );
  worker = await startWranglerDev(scratch, { probe: "/health" });
});

after(async () => {
  await worker?.stop();
  await standIn.close();
  removeDir(scratch);
});

const at = (second) => new Date(`2024-03-04T15:32:${second}.000Z`);
const granted = { consent: { categoryPreferences: { Analytics: true, Advertising: true } } };

function sendEverything(analytics) {
  analytics.track({
    messageId: "e2e-order", userId: "user-1", event: "Order Completed", timestamp: at(10), context: granted,
    properties: {
      order_id: "order-1", total: 57.5, revenue: 50, shipping: 5, tax: 2.5, currency: "EUR", coupon: "SPRING",
      products: [
        { product_id: "sku-red", sku: "R-1", name: "Red shirt", price: 20, quantity: 2 },
        { product_id: "sku-cap", name: "Cap", price: 10, quantity: 1, brand: "Acme" },
      ],
    },
  });
  analytics.track({
    messageId: "e2e-refund", userId: "user-1", event: "Order Refunded", timestamp: at(20), context: granted,
    properties: { order_id: "order-1", total: 10, currency: "EUR", products: [{ product_id: "sku-cap", quantity: 1 }] },
  });
  analytics.track({
    messageId: "e2e-consent", userId: "user-1", event: "Segment Consent Preference Updated", timestamp: at(30),
    context: { consent: { categoryPreferences: { Advertising: false, Analytics: true, Functional: true } } },
  });
  // After the change, Advertising is still granted here but Analytics is not: denied, never sent.
  analytics.track({
    messageId: "e2e-denied", userId: "user-1", event: "Product Viewed", timestamp: at(40),
    context: { consent: { categoryPreferences: { Analytics: false, Advertising: true } } }, properties: { product_id: "sku-red" },
  });
}

const ids = { registered: "user-1" };
const EXPECTED = [
  {
    name: "customers/events", command_id: "e2e-order",
    data: {
      customer_ids: ids, event_type: "purchase", timestamp: 1709566330,
      properties: {
        purchase_status: "success", purchase_id: "order-1", total_price: 57.5, local_currency: "EUR", voucher_code: "SPRING",
        shipping_cost: 5, tax_value: 2.5, product_ids: ["sku-red", "sku-cap"],
        product_list: [{ product_id: "sku-red", quantity: 2 }, { product_id: "sku-cap", quantity: 1 }], revenue: 50,
      },
    },
  },
  {
    name: "customers/events", command_id: "e2e-order:2",
    data: {
      customer_ids: ids, event_type: "purchase_item", timestamp: 1709566330,
      properties: { purchase_status: "success", purchase_id: "order-1", product_id: "sku-red", sku: "R-1", title: "Red shirt", price: 20, quantity: 2, local_currency: "EUR" },
    },
  },
  {
    name: "customers/events", command_id: "e2e-order:3",
    data: {
      customer_ids: ids, event_type: "purchase_item", timestamp: 1709566330,
      properties: { purchase_status: "success", purchase_id: "order-1", product_id: "sku-cap", title: "Cap", brand: "Acme", price: 10, quantity: 1, local_currency: "EUR" },
    },
  },
  {
    name: "customers/events", command_id: "e2e-refund",
    data: {
      customer_ids: ids, event_type: "purchase", timestamp: 1709566340,
      properties: {
        purchase_status: "refund", purchase_id: "order-1", total_price: 10, local_currency: "EUR",
        product_ids: ["sku-cap"], product_list: [{ product_id: "sku-cap", quantity: 1 }],
      },
    },
  },
  {
    name: "customers/events", command_id: "e2e-refund:2",
    data: {
      customer_ids: ids, event_type: "purchase_item", timestamp: 1709566340,
      properties: { purchase_status: "refund", purchase_id: "order-1", product_id: "sku-cap", quantity: 1, local_currency: "EUR" },
    },
  },
  {
    name: "customers/events", command_id: "e2e-consent",
    data: { customer_ids: ids, event_type: "consent", timestamp: 1709566350, properties: { action: "reject", category: "marketing" } },
  },
  {
    name: "customers/events", command_id: "e2e-consent:2",
    data: { customer_ids: ids, event_type: "consent", timestamp: 1709566350, properties: { action: "accept", category: "analytics", valid_until: "unlimited" } },
  },
];

test("analytics-node → Worker in wrangler dev (presets on) → stand-in: exactly the purchase, purchase_item and consent events", async () => {
  const health = await (await fetch(`${worker.url}/health`, ADMIN)).json();
  assert.equal(health.status, "ok", JSON.stringify(health.config));
  assert.deepEqual(
    [health.bloomreach.ecommerceEvents, health.bloomreach.consentCategories, health.bloomreach.requiredConsentCategories],
    [true, { Advertising: "marketing", Analytics: "analytics" }, ["Analytics"]],
  );

  const answers = [];
  const recordingFetch = async (url, init) => {
    const response = await fetch(url, init);
    answers.push({ status: response.status, body: await response.clone().json() });
    return response;
  };
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: worker.url, flushAt: 10, maxRetries: 0, httpClient: recordingFetch });
  const errors = [];
  analytics.on("error", (error) => errors.push(error));
  sendEverything(analytics);
  await analytics.closeAndFlush({ timeout: 30_000 });

  assert.deepEqual(errors, [], worker.output());
  assert.equal(answers.length, 1, "one batch of four events");
  assert.equal(answers[0].status, 200, JSON.stringify(answers[0].body));
  const { received, delivered, rejected, skipped } = answers[0].body;
  assert.deepEqual({ received, delivered, rejected }, { received: 4, delivered: 3, rejected: [] });
  assert.deepEqual(skipped.map((s) => [s.messageId, s.code]), [["e2e-denied", "consent_denied"]]);

  assert.deepEqual(standIn.received.stored.map(({ name, command_id, data }) => ({ name, command_id, data })), EXPECTED);
  assert.deepEqual(standIn.received.malformedConsents, [], "every consent event is one Bloomreach recognises");
  assert.ok(standIn.received.requests.every((r) => r.status === 200));
});
