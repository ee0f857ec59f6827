// Types of the segment-bloomreach package (hand-written; checked by `tsc` in the test suite).

/** Destination settings, with the keys of Segment's catalog entry for Bloomreach Engagement. */
export interface Settings {
  /** Default `https://api.exponea.com/`. Absolute https URL (http only for localhost). */
  apiBaseUrl?: string;
  /** Public API key (sent as `Authorization: Token <apiKey>`), or the key ID of a private key pair. */
  apiKey: string;
  /** With it, a private key pair: `Authorization: Basic base64(apiKey:apiSecret)`. */
  apiSecret?: string;
  /** Letters, digits and `-` only. */
  projectToken: string;
  /** Customer ID name that `userId` maps to, typically `registered`. */
  exponeaHardId: string;
  /** Customer ID name that `anonymousId` maps to, typically `cookie`. */
  exponeaSoftId: string;
  /** Flatten nested objects in properties and traits with `_`. Default false. */
  flattenNestedObjects?: boolean;
  /** Add a `session_ping` event to page and screen calls. Default false. */
  trackSessionPing?: boolean;
  /** Rules in Segment's own language (FQL subscriptions, mapping-kit values), at most 100. */
  mappings?: Rule[];
  /** Segment's E-commerce v2 events as Bloomreach's standard events (`purchase`, `purchase_item`, `cart_update`, …). Default false. */
  ecommerceEvents?: boolean;
  /** Segment consent category ID → Bloomreach consent category ID (lowercase): `Segment Consent Preference Updated` becomes `consent` events. Default `{}`. */
  consentCategories?: Record<string, string>;
  /** Segment category IDs an event's `context.consent.categoryPreferences` must all grant, else it is skipped (`consent_denied`). Default `[]`. */
  requiredConsentCategories?: string[];
}

/** Settings as `validateSettings` returns them: defaults filled in. */
export interface NormalizedSettings extends Settings {
  apiBaseUrl: string;
  flattenNestedObjects: boolean;
  trackSessionPing: boolean;
  mappings: Rule[];
  ecommerceEvents: boolean;
  consentCategories: Record<string, string>;
  requiredConsentCategories: string[];
}

export type SegmentCallType = "page" | "screen" | "track" | "identify" | "alias" | "group";

/** A Segment event (the fields this destination reads; any others are allowed and ignored). */
export interface SegmentEvent {
  type: SegmentCallType;
  messageId?: string | number;
  userId?: string | number | null;
  anonymousId?: string | number | null;
  /** ISO-8601 with an offset, a Date, or Unix seconds (milliseconds from 1e11). */
  timestamp?: string | number | Date | null;
  originalTimestamp?: string | number | Date | null;
  context?: Record<string, unknown>;
  integrations?: Record<string, boolean | Record<string, unknown>>;
  /** track */
  event?: string;
  /** page, screen */
  name?: string;
  /** page, screen, track */
  properties?: Record<string, unknown>;
  /** identify, group */
  traits?: Record<string, unknown>;
  /** group */
  groupId?: string | number;
  /** alias */
  previousId?: string | number;
  [field: string]: unknown;
}

export type CustomerIds = Record<string, string>;

export interface EventCommand {
  name: "customers/events";
  command_id: string;
  data: {
    customer_ids: CustomerIds;
    event_type: string;
    /** Unix seconds, with milliseconds as a fraction; absent when the event has no time. */
    timestamp?: number;
    properties: Record<string, unknown>;
  };
}

export interface CustomerCommand {
  name: "customers";
  command_id: string;
  data: {
    customer_ids: CustomerIds;
    properties: Record<string, unknown>;
    update_timestamp?: number;
  };
}

export type Command = EventCommand | CustomerCommand;

/** A request ready for `fetch(url, { method, headers, body })`. */
export interface BatchRequest {
  method: "POST";
  url: string;
  headers: { Authorization: string; "Content-Type": "application/json" };
  /** `{"commands": [...]}` as JSON text; at most 50 commands. */
  body: string;
  /** For each command of `body`, in order, the index of the event it came from. */
  events: number[];
  /**
   * With rules or presets set: for each command, the rule that made it (its name), the preset row
   * (`"ecommerce: Order Completed → purchase"`, `"consent"`, …), or `null` for the classic mapping.
   */
  origins?: (string | null)[];
}

export type RejectionCode =
  | "invalid_event"
  | "unsupported_type"
  | "missing_identity"
  | "invalid_identity"
  | "invalid_timestamp"
  | "missing_event_name"
  | "missing_previous_id"
  | "missing_group_id"
  | "mapping_failed";

export type SkipCode = "opted_out" | "alias_without_user_id" | "no_commands" | "consent_denied" | "consent_unmapped";

export interface EventIssue<Code extends string> {
  /** Position of the event in the input. */
  index: number;
  messageId?: string;
  code: Code;
  /** Names the event by position and messageId, then says what is wrong. */
  message: string;
}

export interface BuildResult {
  requests: BatchRequest[];
  rejected: EventIssue<RejectionCode>[];
  skipped: EventIssue<SkipCode>[];
}

export interface CommandOutcome {
  commandId: string;
  /** delivered; rejected for good (do not resend); retry (not saved, or not known to be). */
  outcome: "delivered" | "rejected" | "retry";
  message?: string;
}

export type ErrorCode =
  | RejectionCode
  | "invalid_settings"
  | "config_invalid"
  | "invalid_json"
  | "invalid_body"
  | "too_many_events"
  | "invalid_request"
  | "invalid_mapping"
  | "invalid_subscription"
  | "mapping_failed";

/** One thing wrong with the settings, a configuration, a mapping or a subscription. */
export interface Problem {
  /** invalid_settings: the settings key; config_invalid: its path (`sources[2].settings.mappings[0].subscribe`). */
  field?: string;
  /** invalid_mapping, invalid_subscription: where, as a JavaScript path (`total`, `eventType["@if"].then`; empty: the whole value). */
  path?: string;
  message: string;
}

/** What every function throws: an Error with a stable `code`. */
export interface MappingError extends Error {
  name: "BloomreachMappingError";
  code: ErrorCode;
  /** invalid_settings, config_invalid, invalid_mapping, invalid_subscription: every problem found. */
  problems?: Problem[];
  /** mapEvent: the event's messageId. */
  messageId?: string;
  index?: number;
  /** invalid_json: 1-based position of the syntax error. */
  line?: number;
  column?: number;
}

/** One event → its commands (`[]` when skipped by design). Throws a MappingError. */
export function mapEvent(event: SegmentEvent | unknown, settings: Settings): Command[];

/** Events → requests of at most 50 commands; every event is in a request, `rejected` or `skipped`. */
export function buildRequests(events: (SegmentEvent | unknown)[], settings: Settings): BuildResult;

/** The same from JSON text: one event, an array of events, or a Segment `{"batch": [...]}` body. */
export function buildRequestsFromJson(json: string, settings: Settings): BuildResult;

/** The settings, normalized; throws a MappingError (code `invalid_settings`) listing every problem. */
export function validateSettings(settings: Settings | unknown): NormalizedSettings;

/** The outcome of each command of `request`, from Bloomreach's answer. Pass status 0 for a network failure or timeout. */
export function readResponse(request: Pick<BatchRequest, "body">, status: number, bodyText: string): CommandOutcome[];

// ---- Segment's mapping-kit and FQL (docs/rules.md) ----

/**
 * A mapping value, as in Segment Actions field mappings: raw JSON (objects and arrays may hold
 * mapping values) and directives. `@liquid` is not supported.
 */
export type MappingValue = string | number | boolean | null | MappingValue[] | MappingObject | Directive;

/** An object of mapping values (no `@` key). */
export interface MappingObject {
  [key: string]: MappingValue;
}

export type Directive =
  | PathDirective
  | TemplateDirective
  | LiteralDirective
  | IfDirective
  | ArrayPathDirective
  | CaseDirective
  | ReplaceDirective
  | MergeDirective
  | TransformDirective
  | FlattenDirective
  | JsonDirective
  | ExcludeWhenNullDirective;

/** The payload's value at a path: `$.properties.total`, `$.items[0].name`, `$['a b']`. */
export interface PathDirective {
  "@path": string | Directive;
}

/** A string with `{{path}}` placeholders (`null` and missing as nothing). */
export interface TemplateDirective {
  "@template": string | Directive;
}

/** Its value (directives inside it are still resolved). */
export interface LiteralDirective {
  "@literal": MappingValue;
}

/** `then` when `exists` is not null/undefined (or `blank` is not loosely `""`), else `else`. */
export interface IfDirective {
  "@if": { exists?: MappingValue; blank?: MappingValue; then?: MappingValue; else?: MappingValue };
}

/** The value at a path; with an item shape, each element (an object counts as one) mapped by it. */
export interface ArrayPathDirective {
  "@arrayPath": [path: string | Directive, itemShape?: MappingObject | Directive];
}

export interface CaseDirective {
  "@case": { operator: "lower" | "upper"; value: string | Directive };
}

/** Plain-text replacement; patterns and replacements of at most 10 characters. */
export interface ReplaceDirective {
  "@replace": {
    pattern: string;
    replacement?: string;
    pattern2?: string;
    replacement2?: string;
    /** Default false. */
    ignorecase?: boolean;
    /** Default true. */
    global?: boolean;
    value: string | Directive;
  };
}

/** The objects' members in one object; with `right` a later object's member wins. */
export interface MergeDirective {
  "@merge": { direction: "left" | "right"; objects: (MappingObject | Directive)[] };
}

/** `mapping` resolved against the result of `apply`. */
export interface TransformDirective {
  "@transform": { apply: MappingObject | Directive; mapping: MappingObject | Directive };
}

/** Nested members lifted to the top, keys joined with `separator`. */
export interface FlattenDirective {
  "@flatten": { separator: string; value: MappingValue; omitArrays?: boolean };
}

export interface JsonDirective {
  "@json": { mode: "encode" | "decode"; value: MappingValue };
}

/** Its value, with `null` (and `null` members of objects) left out. */
export interface ExcludeWhenNullDirective {
  "@excludeWhenNull": MappingValue;
}

/** One rule of the `mappings` setting (RULES.md): which events it takes and the commands it sends. */
export interface Rule {
  /** Default `rule <n>` (its index); named in errors and `origins`. `consent` and names starting `ecommerce:` are refused: they are the presets' `origins` labels. */
  name?: string;
  /** Segment FQL: `type = "track" and event = "Order Completed"`. */
  subscribe: string;
  /** Default "event". */
  command?: "event" | "customer";
  /** Required for "event": must resolve to a non-empty string. */
  eventType?: MappingValue;
  /** Must resolve to an object; default `{}`. */
  properties?: MappingValue;
  /** Must resolve to an array: one command per element, the payload then holding `item` and `index`. */
  forEach?: MappingValue;
  /** Must resolve to an object of non-empty string or number IDs; default the classic IDs. */
  customerIds?: MappingValue;
  /** Default the event's time. */
  timestamp?: MappingValue;
  /** Also send the classic mapping's commands. Default false. */
  keepDefault?: boolean;
}

/**
 * Segment's mapping-kit `transform(mapping, payload)` (`@segment/actions-core`): the mapped
 * value as JSON would carry it, `undefined` where Segment's gives `undefined`. Throws a
 * MappingError: `invalid_mapping` (with `problems`) or `mapping_failed` (on this payload).
 */
export function transform(mapping: MappingValue, payload?: Record<string, unknown>): unknown;

/** A mapping compiled once by `compileMapping`. */
export interface CompiledMapping {
  /** `transform(mapping, payload)` with the compiled mapping: the same output, the same errors. */
  transform(payload?: Record<string, unknown>): unknown;
  /**
   * `transform(payload)` of each payload, in one call into the wasm (faster per payload: the
   * crossing's fixed cost is paid once for the list). `outputs[i]` is what `transform(payloads[i])`
   * gives (`undefined` included). Throws as `transform` would for the first payload that fails,
   * with code `mapping_failed`, its `index`, and the message prefixed with `payload <index>: `;
   * also `mapping_failed`, naming no payload, when `payloads` is not an array or what the mapping
   * reads of one of them cannot be turned into JSON (a BigInt, a cycle).
   */
  transformMany(payloads: ReadonlyArray<Record<string, unknown> | undefined>): unknown[];
}

/**
 * Compiles a mapping once, for mapping many payloads with it: `transform` compares the mapping it
 * is given with the one it compiled last time (to see any change) on every call, this does not.
 * The mapping is taken as it is now: later changes to the object do not change the compiled one.
 * Throws a MappingError with code `invalid_mapping` (with `problems`), as `transform` would.
 */
export function compileMapping(mapping: MappingValue): CompiledMapping;

/** Throws a MappingError with code `invalid_mapping` and every problem when `transform` would refuse the mapping. */
export function validateMapping(mapping: MappingValue | unknown): void;

/** Whether an FQL subscription takes the event. Throws a MappingError with code `invalid_subscription`. */
export function matchesSubscription(subscribe: string, event: SegmentEvent | Record<string, unknown>): boolean;
