// The rules benchmark's rule set, and the same rules run by a JavaScript rules engine built on
// Segment's own packages: FQL's parseFql (once per rule) + validate (per event) pick the rules,
// actions-core's transform maps each rule's fields, and what no rule takes gets the classic
// mapping of benches/js/reference.mjs. It is the contender for the npm package's
// buildRequests(events, {...settings, mappings: RULES}); benches/js/rules-bench.mjs checks the two
// give the same requests on the corpus before it times them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as reference from "./reference.mjs";

const require = createRequire(import.meta.url);
const { transform } = require("@segment/actions-core");
const { parseFql, validate } = require("@segment/destination-subscriptions");

/**
 * The rules (benches/rules.json, which the Rust benches read too): what a shop sending the
 * corpus's events (benches/corpus.mjs) might write: a rule per kind of event it cares about,
 * mapping values of every common directive (@path, @template, @if, @case, @replace, arrays,
 * literals), one rule (refunds) that no corpus event matches, and events left to the classic
 * mapping (alias, screens of other devices, video events).
 */
export const RULES = JSON.parse(readFileSync(new URL("../rules.json", import.meta.url), "utf8"));

/** RULES ready to run: each subscription parsed once, each rule's fields as one mapping. */
export function compile(rules = RULES) {
  return rules.map((rule, index) => {
    const ast = parseFql(rule.subscribe);
    if (ast.error) throw new Error(`rule ${index}: ${ast.error.message}`);
    const mapping = {};
    for (const key of ["eventType", "properties", "customerIds"]) if (rule[key] !== undefined) mapping[key] = rule[key];
    return { name: rule.name ?? `rule ${index}`, ast, command: rule.command ?? "event", keepDefault: rule.keepDefault === true, mapping };
  });
}

/** What the rules evaluation alone costs: the rules that take each event, and their transform outputs. */
export function evaluate(events, compiled) {
  let outputs = 0;
  for (const event of events) {
    for (const rule of compiled) {
      if (validate(rule.ast, event)) outputs += transform(rule.mapping, event) ? 1 : 0;
    }
  }
  return outputs;
}

/** buildRequests with the rules, as the npm package's does it (without its `origins`). */
export function buildRequests(events, settings, compiled) {
  return reference.buildRequests(events, settings, (event, settings, index) => mapWithRules(event, settings, index, compiled));
}

function mapWithRules(event, settings, index, compiled) {
  // The classic mapping's checks come first either way; an event no rule takes is its.
  reference.checkEvent(event);
  if (reference.optedOut(event)) return { skipped: "opted_out" };
  const taken = compiled.filter((rule) => validate(rule.ast, event));
  if (taken.length === 0) return reference.mapChecked(event, settings, index);
  if (!CALL_TYPES.includes(event.type)) return reference.mapChecked(event, settings, index); // throws its code
  const base = reference.messageIdOf(event) ?? `event-${index}`;
  const customerIds = reference.customerIdsOf(event, settings);
  const timestamp = reference.timeOf(event);
  const commands = [];
  for (const rule of taken) {
    const out = transform(rule.mapping, event);
    const properties = out.properties ?? {};
    let ids = customerIds;
    if (out.customerIds !== undefined) {
      ids = {};
      for (const [key, id] of Object.entries(out.customerIds)) if (id !== null) ids[key] = String(id);
    }
    commands.push(
      rule.command === "event"
        ? { name: "customers/events", command_id: "", data: { customer_ids: ids, event_type: out.eventType, timestamp, properties } }
        : { name: "customers", command_id: "", data: { customer_ids: ids, properties, update_timestamp: timestamp } },
    );
  }
  if (taken.some((rule) => rule.keepDefault)) {
    const classic = reference.mapChecked(event, settings, index);
    if (!classic.skipped) commands.push(...classic);
  }
  commands.forEach((command, i) => (command.command_id = i === 0 ? base : `${base}:${i + 1}`));
  return commands;
}

const CALL_TYPES = ["page", "screen", "track", "identify", "alias", "group"];
