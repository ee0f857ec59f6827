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
}

/** Settings as `validateSettings` returns them: defaults filled in. */
export interface NormalizedSettings extends Settings {
  apiBaseUrl: string;
  flattenNestedObjects: boolean;
  trackSessionPing: boolean;
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
}

export type RejectionCode =
  | "invalid_event"
  | "unsupported_type"
  | "missing_identity"
  | "invalid_identity"
  | "invalid_timestamp"
  | "missing_event_name"
  | "missing_previous_id"
  | "missing_group_id";

export type SkipCode = "opted_out" | "alias_without_user_id";

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
  | "invalid_json"
  | "invalid_body"
  | "too_many_events"
  | "invalid_request";

/** What every function throws: an Error with a stable `code`. */
export interface MappingError extends Error {
  name: "BloomreachMappingError";
  code: ErrorCode;
  /** invalid_settings: every problem found. */
  problems?: { field: string; message: string }[];
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
