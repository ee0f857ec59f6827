// Compiled by tsc against the packed npm package: the hand-written declarations must accept real use.
import { mapEvent, buildRequests, buildRequestsFromJson, validateSettings, readResponse, transform, compileMapping, validateMapping, matchesSubscription } from "segment-bloomreach";
import type { Settings, Command, BuildResult, CommandOutcome, MappingError, SegmentEvent, MappingValue, Rule, CompiledMapping } from "segment-bloomreach";
import init, { buildRequests as buildInBrowser } from "segment-bloomreach/web";
import { validateConfig } from "segment-bloomreach/config";
import type { DeploymentConfig, ConfigSource } from "segment-bloomreach/config";
// @ts-expect-error: validateConfig is in segment-bloomreach/config only (the main wasm's budget)
import { validateConfig as notInMain } from "segment-bloomreach";
void notInMain;

const settings: Settings = { apiKey: "k", projectToken: "p", exponeaHardId: "registered", exponeaSoftId: "cookie", flattenNestedObjects: true };
const event: SegmentEvent = { type: "track", userId: "u", event: "Signed Up", properties: { plan: "pro" }, timestamp: new Date() };

const commands: Command[] = mapEvent(event, settings);
for (const command of commands) {
  if (command.name === "customers/events") {
    const eventType: string = command.data.event_type;
    const when: number | undefined = command.data.timestamp;
    void eventType, when;
  } else {
    const updated: number | undefined = command.data.update_timestamp;
    void updated;
  }
}

const result: BuildResult = buildRequests([event, { anything: 1 }], settings);
const fromText: BuildResult = buildRequestsFromJson('{"batch": []}', settings);
for (const request of [...result.requests, ...fromText.requests]) {
  const init: RequestInit = { method: request.method, headers: request.headers, body: request.body };
  const firstEvent: number | undefined = request.events[0];
  const madeBy: string | null | undefined = request.origins?.[0];
  void firstEvent, madeBy;
  const outcomes: CommandOutcome[] = readResponse(request, 200, "{}");
  const retry = outcomes.filter((o) => o.outcome === "retry").map((o) => o.commandId);
  void init, retry;
}
const codes: string[] = result.rejected.map((r) => `${r.index} ${r.messageId ?? "-"} ${r.code}: ${r.message}`);
void codes;

try {
  validateSettings({});
} catch (e) {
  const error = e as MappingError;
  const fields = error.problems?.map((p) => p.field);
  const code: "invalid_settings" | string = error.code;
  void fields, code;
}

const config: DeploymentConfig = {
  destinations: [{ name: "eu", projectToken: "p", apiKeySecret: "BLOOMREACH_API_KEY_EU" }],
  sources: [
    { name: "web", destination: "eu", writeKeys: [{ kind: "browser", key: "web-write-key" }], settings: { trackSessionPing: true } },
    { name: "crm", destination: "eu", webhook: { bearerTokenSecret: "CRM_TOKEN" } },
  ],
};
const stored: DeploymentConfig = validateConfig(config);
const sourceNames: string[] = stored.sources.map((s) => s.name);
void sourceNames;
try {
  validateConfig({ sources: [] });
} catch (e) {
  const paths = (e as MappingError).problems?.map((p) => p.field);
  void paths;
}
// @ts-expect-error: a source's settings hold no credentials (its destination's do)
const withKey: ConfigSource = { name: "a", destination: "eu", webhook: {}, settings: { apiKey: "k" } };
void withKey;
// @ts-expect-error: a write key is browser or server
const badKind: DeploymentConfig = { destinations: [], sources: [{ name: "a", destination: "eu", writeKeys: [{ kind: "mobile", key: "k" }] }] };
void badKind;

async function inBrowser(): Promise<BuildResult> {
  await init();
  return buildInBrowser([event], settings);
}
void inBrowser;

// @ts-expect-error: apiKey is required
const incomplete: Settings = { projectToken: "p", exponeaHardId: "registered", exponeaSoftId: "cookie" };
void incomplete;

const mapping: MappingValue = {
  purchase_id: { "@path": "$.properties.order_id" },
  title: { "@template": "{{properties.name}} ({{properties.sku}})" },
  currency: { "@if": { exists: { "@path": "$.properties.currency" }, then: { "@path": "$.properties.currency" }, else: "USD" } },
  items: { "@arrayPath": ["$.properties.products", { id: { "@path": "$.product_id" } }] },
  email: { "@case": { operator: "lower", value: { "@path": "$.traits.email" } } },
  clean: { "@replace": { pattern: "-", replacement: "_", value: { "@path": "$.userId" } } },
  raw: [1, "two", null, { nested: true }],
};
const mapped: unknown = transform(mapping, event);
const compiled: CompiledMapping = compileMapping(mapping);
const again: unknown = compiled.transform(event);
void again;
validateMapping(mapping);
const takes: boolean = matchesSubscription('type = "track" and event = "Signed Up"', event);
const rule: Rule = { name: "purchase", subscribe: 'event = "Order Completed"', eventType: "purchase", properties: mapping, keepDefault: false };
void mapped, takes, rule;
try {
  validateMapping({ v: { "@path": 1 } });
} catch (e) {
  const paths = (e as MappingError).problems?.map((p) => `${p.path}: ${p.message}`);
  void paths;
}

// Rules are settings: `mappings` wherever settings go.
const withRules: Settings = {
  ...settings,
  mappings: [{ name: "signup", subscribe: 'event = "Signed Up"', eventType: "registration", properties: { plan: { "@path": "$.properties.plan" } } }],
};
const ruled: BuildResult = buildRequests([event], withRules);
void ruled;

// The presets are settings too.
const withPresets: Settings = {
  ...settings,
  ecommerceEvents: true,
  consentCategories: { Advertising: "marketing" },
  requiredConsentCategories: ["Advertising"],
};
const normalized = validateSettings(withPresets);
const categories: Record<string, string> = normalized.consentCategories;
const denied = buildRequests([event], withPresets).skipped.filter((s) => s.code === "consent_denied");
const flags: [boolean, string[]] = [normalized.ecommerceEvents, normalized.requiredConsentCategories];
void categories, denied, flags;
