// The same mapping contract (shared/CONTRACT.md) in plain JavaScript, written the way a Segment
// Function author would: JSON.parse the body, map each event, JSON.stringify each request body.
// It is the "hand-written JS" the benchmarks compare the npm package against, and
// tests/node/js-reference.test.mjs checks it gives the package's output (requests whole;
// rejected and skipped events by index, messageId and code; the wording of messages is not copied).
// Like most hand-written Functions it does not re-measure each event against Segment's 32 KB limit.

const MAX_COMMANDS = 50;
const MAX_EVENTS = 2500;
const MAX_DEPTH = 128;
const CONTEXT_FIELDS = ["app", "device", "os", "screen", "referrer", "campaign", "location"];
const OUR_NAMES = ["Bloomreach Engagement", "Exponea", "Bloomreach"];
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class MappingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const fail = (code, message) => {
  throw new MappingError(code, message);
};

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const kindOf = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Segment body text → `{requests, rejected, skipped}`, like the package's buildRequestsFromJson. */
export function buildRequestsFromJson(text, settings) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (error) {
    fail("invalid_json", `the body is not valid JSON: ${error.message}`);
  }
  let events;
  if (Array.isArray(body)) {
    events = body;
  } else if (isObject(body) && "batch" in body) {
    if (!Array.isArray(body.batch)) fail("invalid_body", "`batch` must be an array of events");
    for (const field of ["context", "integrations"]) {
      if (body[field] != null && !isObject(body[field])) fail("invalid_body", `the batch's top-level \`${field}\` must be an object`);
    }
    events = body.batch.map((event) => withShared(event, body.context, body.integrations));
  } else if (isObject(body)) {
    events = [body];
  } else {
    fail("invalid_body", `the body must be an event object, an array of events or {"batch": [...]}, got ${kindOf(body)}`);
  }
  if (events.length > MAX_EVENTS) fail("too_many_events", `the body has ${events.length} events`);
  return buildRequests(events, settings);
}

/** A batch's top-level `context` and `integrations` apply to each event; the event's own keys win. */
function withShared(event, context, integrations) {
  if (!isObject(event)) return event;
  const merged = { ...event };
  if (isObject(context)) merged.context = isObject(event.context) ? { ...context, ...event.context } : event.context ?? context;
  if (isObject(integrations)) merged.integrations = isObject(event.integrations) ? { ...integrations, ...event.integrations } : event.integrations ?? integrations;
  return merged;
}

/** Events → requests of at most 50 commands, every event accounted for. */
export function buildRequests(events, settings, map = mapEvent) {
  const url = `${settings.apiBaseUrl.replace(/\/$/, "")}/track/v2/projects/${settings.projectToken}/batch`;
  const authorization = settings.apiSecret
    ? `Basic ${base64(`${settings.apiKey}:${settings.apiSecret}`)}`
    : `Token ${settings.apiKey}`;
  const commands = [];
  const owners = [];
  const rejected = [];
  const skipped = [];
  events.forEach((event, index) => {
    const id = isObject(event) ? event.messageId : undefined;
    const messageId = typeof id === "number" || (typeof id === "string" && id) ? String(id) : undefined;
    try {
      const result = map(event, settings, index);
      if (result.skipped) skipped.push({ index, messageId, code: result.skipped });
      else for (const command of result) commands.push(command), owners.push(index);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      rejected.push({ index, messageId, code: error.code, message: error.message });
    }
  });
  uniqueIds(commands);
  const requests = plan(owners).map((members) => ({
    method: "POST",
    url,
    headers: { Authorization: authorization, "Content-Type": "application/json" },
    body: JSON.stringify({ commands: members.map((i) => commands[i]) }),
    events: members.map((i) => owners[i]),
  }));
  return { requests, rejected, skipped };
}

/**
 * Which request each command goes in (command IDs are unique): ceil(commands / 50) requests, an
 * event's commands whole in the first request with room, a new request opened while fewer than
 * that exist, and only an event that fits none spread over them. Each request's command indices,
 * ascending.
 */
function plan(owners) {
  const target = Math.ceil(owners.length / MAX_COMMANDS);
  const units = [];
  for (let i = 0; i < owners.length; i++) {
    if (i > 0 && owners[i] === owners[i - 1]) units[units.length - 1].push(i);
    else units.push([i]);
  }
  const requests = [];
  const place = (unit) => {
    const open = requests.find((r) => r.length + unit.length <= MAX_COMMANDS);
    if (open) open.push(...unit);
    else requests.push([...unit]);
  };
  for (const unit of units) {
    const whole = unit.length <= MAX_COMMANDS && (requests.some((r) => r.length + unit.length <= MAX_COMMANDS) || requests.length < target);
    if (whole) place(unit);
    else for (const i of unit) place([i]);
  }
  return requests.map((r) => r.sort((a, b) => a - b));
}

/** Base64 of the UTF-8 bytes (btoa works in Node and in Workers; Buffer only in Node). */
const base64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** A retried messageId twice in one body: the later commands get `#2`, `#3`… */
function uniqueIds(commands) {
  const seen = new Set();
  for (const command of commands) {
    let id = command.command_id;
    for (let n = 2; seen.has(id); n++) id = `${command.command_id}#${n}`;
    seen.add(id);
    command.command_id = id;
  }
}

/** One event → its commands, or `{skipped: code}`; throws a MappingError when it cannot be mapped. */
export function mapEvent(event, settings, index) {
  checkEvent(event);
  if (optedOut(event)) return { skipped: "opted_out" };
  return mapChecked(event, settings, index);
}

/** An object event within Segment's shape, or a MappingError. */
export function checkEvent(event) {
  if (!isObject(event)) fail("invalid_event", `an event must be a JSON object, got ${kindOf(event)}`);
  checkShape(event, 1);
}

/** mapEvent's classic mapping of an event already checked and not opted out. */
export function mapChecked(event, settings, index) {
  const commandId = messageIdOf(event) ?? `event-${index}`;
  const type = event.type;
  if (typeof type !== "string" || !["page", "screen", "track", "identify", "alias", "group"].includes(type)) {
    fail("unsupported_type", `\`type\` ${JSON.stringify(type)} is not supported`);
  }
  if (type === "alias") return mapAlias(event, settings, commandId);
  const customerIds = customerIdsOf(event, settings);
  const timestamp = timeOf(event);
  switch (type) {
    case "page":
    case "screen":
      return mapVisit(event, settings, commandId, customerIds, timestamp, type);
    case "track": {
      if (event.event !== undefined && event.event !== null && typeof event.event !== "string") fail("invalid_event", "`event` must be a string");
      if (!event.event) fail("missing_event_name", "a track call needs an `event` name");
      const properties = { ...contextProperties(event), ...attributes(event, "properties", settings) };
      return [eventCommand(commandId, customerIds, event.event, timestamp, properties)];
    }
    case "identify":
      checkContext(event);
      return [customerCommand(commandId, customerIds, attributes(event, "traits", settings), timestamp)];
    case "group": {
      const groupId = idOf(event, "groupId", "invalid_event");
      if (groupId === undefined) fail("missing_group_id", "a group call needs a `groupId`");
      checkContext(event);
      const properties = { group_id: groupId };
      for (const [key, value] of Object.entries(attributes(event, "traits", settings))) {
        if (key !== "id") properties[`group_${key}`] = value;
      }
      return [customerCommand(commandId, customerIds, properties, timestamp)];
    }
  }
}

function mapVisit(event, settings, commandId, customerIds, timestamp, type) {
  if (event.name !== undefined && event.name !== null && typeof event.name !== "string") fail("invalid_event", "`name` must be a string");
  const fromContext = contextProperties(event);
  const properties = { ...fromContext, ...attributes(event, "properties", settings) };
  if (event.name) properties[`${type}_name`] = event.name;
  const commands = [eventCommand(commandId, customerIds, `${type}_visit`, timestamp, properties)];
  if (settings.trackSessionPing && settings.exponeaSoftId === "cookie" && settings.exponeaSoftId in customerIds) {
    commands.push(eventCommand(`${commandId}:session_ping`, { ...customerIds }, "session_ping", timestamp, { ...fromContext }));
  }
  return commands;
}

function mapAlias(event, settings, commandId) {
  const userId = idOf(event, "userId");
  if (userId === undefined) return { skipped: "alias_without_user_id" };
  const previousId = idOf(event, "previousId");
  if (previousId === undefined) fail("missing_previous_id", "an alias with a `userId` needs the `previousId`");
  const timestamp = timeOf(event);
  checkContext(event);
  const customerIds = { [settings.exponeaHardId]: userId, [settings.exponeaSoftId]: previousId };
  return [customerCommand(commandId, customerIds, {}, timestamp)];
}

const eventCommand = (command_id, customer_ids, event_type, timestamp, properties) => ({
  name: "customers/events",
  command_id,
  data: { customer_ids, event_type, timestamp, properties }, // JSON.stringify leaves out an undefined timestamp
});

const customerCommand = (command_id, customer_ids, properties, update_timestamp) => ({
  name: "customers",
  command_id,
  data: { customer_ids, properties, update_timestamp },
});

/** Refuses `__proto__` keys anywhere and nesting deeper than Segment allows. */
function checkShape(value, depth) {
  if (depth > MAX_DEPTH) fail("invalid_event", "the event is nested too deeply");
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === "object") checkShape(item, depth + 1);
  } else {
    if (Object.hasOwn(value, "__proto__")) fail("invalid_event", "the event has a `__proto__` key");
    for (const key in value) {
      const item = value[key];
      if (item !== null && typeof item === "object") checkShape(item, depth + 1);
    }
  }
}

export function optedOut(event) {
  const integrations = event.integrations;
  if (integrations === undefined || integrations === null) return false;
  if (!isObject(integrations)) fail("invalid_event", "`integrations` must be an object");
  const ours = OUR_NAMES.map((name) => integrations[name]).filter((v) => v !== undefined && v !== null);
  return ours.length === 0 ? integrations.All === false : ours.includes(false);
}

export function messageIdOf(event) {
  const id = event.messageId;
  if (typeof id === "number") return String(id);
  if (typeof id === "string") return id || undefined;
  if (id !== undefined && id !== null) fail("invalid_event", "`messageId` must be a string");
  return undefined;
}

/** An ID: a string, or a number as its decimal string; "" and null count as absent. */
function idOf(event, field, wrongTypeCode = "invalid_identity") {
  const id = event[field];
  if (typeof id === "number") return String(id);
  if (typeof id === "string") return id || undefined;
  if (id !== undefined && id !== null) fail(wrongTypeCode, `\`${field}\` must be a string or a number`);
  return undefined;
}

export function customerIdsOf(event, settings) {
  const userId = idOf(event, "userId");
  const anonymousId = idOf(event, "anonymousId");
  if (userId === undefined && anonymousId === undefined) fail("missing_identity", "the event has neither `userId` nor `anonymousId`");
  const ids = {};
  if (userId !== undefined) ids[settings.exponeaHardId] = userId;
  if (anonymousId !== undefined) ids[settings.exponeaSoftId] = anonymousId;
  return ids;
}

/** `timestamp`, else `originalTimestamp`, as Unix seconds with milliseconds. */
export function timeOf(event) {
  const field = event.timestamp != null ? "timestamp" : event.originalTimestamp != null ? "originalTimestamp" : null;
  if (!field) return undefined;
  const value = event[field];
  let millis;
  if (typeof value === "number") {
    millis = Math.round(value >= 1e11 ? value : value * 1000);
  } else if (typeof value === "string" && ISO_WITH_OFFSET.test(value)) {
    millis = Date.parse(value);
  }
  if (!Number.isFinite(millis) || Math.abs(millis) > 8.64e15 || millis < -62135596800000 || millis > 253402300799999) {
    fail("invalid_timestamp", `\`${field}\` is not a time`);
  }
  return millis / 1000;
}

/** `context` → properties: the prefixed fields flattened with `_`, `userAgent` as `user_agent`. */
function contextProperties(event) {
  const context = event.context;
  checkContext(event);
  const properties = {};
  if (!context) return properties;
  for (const [key, value] of Object.entries(context)) {
    if (key === "userAgent") properties.user_agent = value;
    else if (CONTEXT_FIELDS.includes(key)) {
      if (isObject(value)) flattenInto(properties, key, value);
      else properties[key] = value;
    }
  }
  return properties;
}

function checkContext(event) {
  const context = event.context;
  if (context !== undefined && context !== null && !isObject(context)) fail("invalid_event", "`context` must be an object");
}

/** `properties` or `traits`, flattened when the settings ask for it. */
function attributes(event, field, settings) {
  const value = event[field];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) fail("invalid_event", `\`${field}\` must be an object`);
  if (!settings.flattenNestedObjects) return value;
  const flat = {};
  for (const [key, inner] of Object.entries(value)) {
    if (isObject(inner)) flattenInto(flat, key, inner);
    else flat[key] = inner;
  }
  return flat;
}

/** Nested objects joined with `_`; a key already there (literal, or produced first) wins. */
function flattenInto(out, prefix, object) {
  for (const [key, value] of Object.entries(object)) {
    const joined = `${prefix}_${key}`;
    if (isObject(value)) flattenInto(out, joined, value);
    else if (!Object.hasOwn(out, joined)) out[joined] = value;
  }
}
