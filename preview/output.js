// The output side of the preview: the counts, the batch requests, and each event next to what it
// became — with rules or presets, which rules took it and which rule or preset row made each command.
//
// Every function takes the `view` preview.js hands over: `{el, state, rules, matchesSubscription,
// goToError, goToRule}` (`rules`: the rules the state was mapped with, `[]` for none).

import { h, jsonBlock, makeScrollersFocusable, plural } from "./dom.js";
import { pretty } from "./jsontext.js";
import { consentPresetTakes, eventAsRulesSeeIt, originKinds, ruleName, rulesTaking } from "./rules.js";
import { copyText, curlCommand, shownHeaders } from "./secrets.js";

const PAGE_EVENTS = 50;
const PAGE_REQUESTS = 10;

let showAllEvents = false;
let showAllRequests = false;

/** A new input starts with the first pages of requests and events again. */
export function resetPaging() {
  showAllEvents = false;
  showAllRequests = false;
}

export function renderOutput(view) {
  renderCounts(view);
  renderProblem(view);
  renderRequests(view);
  renderEvents(view);
}

function setCount({ el }, name, value) {
  const node = el.counts.querySelector(`[data-count="${name}"]`);
  node.textContent = String(value);
  node.parentElement.classList.toggle("nonzero", value > 0);
  const unit = node.parentElement.querySelector(".unit");
  if (unit) unit.textContent = value === 1 ? unit.dataset.one : `${unit.dataset.one}s`;
}

function renderCounts(view) {
  const { state } = view;
  const r = state.result;
  setCount(view, "events", r ? state.groups.length : 0);
  setCount(view, "requests", r ? r.requests.length : 0);
  setCount(view, "commands", r ? state.commandCount : 0);
  setCount(view, "rejected", r ? r.rejected.length : 0);
  setCount(view, "skipped", r ? r.skipped.length : 0);
}

function renderProblem({ el, state, goToError }) {
  const error = state.error;
  el.problem.replaceChildren();
  el.problem.hidden = !error;
  el.jsonErrorInline.textContent = "";
  if (!error) return;
  if (error.code === "invalid_json" && error.line !== undefined) {
    const where = `line ${error.line}, column ${error.column}`;
    el.problem.append(
      h("strong", { text: `JSON syntax error at ${where}` }),
      h("p", {}, h("code", { text: error.message })),
      h("p", {}, h("button", { type: "button", class: "link", "data-goto": "error", text: `Go to line ${error.line}`, onclick: goToError })),
    );
    el.jsonErrorInline.textContent = `JSON syntax error at ${where}.`;
  } else if (error.code === "invalid_settings") {
    el.problem.append(h("strong", { text: "The settings are not valid." }), h("p", { text: `${error.message} Each problem is shown next to its field.` }));
  } else {
    el.problem.append(h("strong", { text: `Cannot read the input (${error.code})` }), h("p", {}, h("code", { text: error.message })));
  }
}

export function renderRequests(view) {
  const { el, state } = view;
  el.requests.replaceChildren();
  if (state.empty) {
    el.requests.append(h("p", { class: "empty", text: "Paste an event, or pick an example, to see the requests." }));
    return;
  }
  if (!state.result) {
    el.requests.append(h("p", { class: "empty", text: "No requests until the problem above is fixed." }));
    return;
  }
  const { requests } = state.result;
  if (requests.length === 0) {
    el.requests.append(h("p", { class: "empty", text: "No requests: no event produced a command." }));
    return;
  }
  const reveal = el.showSecrets.checked;
  const shown = showAllRequests ? requests : requests.slice(0, PAGE_REQUESTS);
  shown.forEach((request, index) => {
    const commandCount = state.groups.length ? countCommandsOf(state, index) : 0;
    const headers = shownHeaders(request.headers, reveal);
    const headerList = h("dl", { class: "headers" });
    for (const [name, value] of Object.entries(headers)) {
      headerList.append(h("dt", { text: name }), h("dd", { text: value, "data-header": name }));
    }
    const title = `Request ${index + 1} of ${requests.length}`;
    el.requests.append(
      h(
        "article",
        { class: "card request", "data-request-index": String(index), "aria-label": title },
        h(
          "div",
          { class: "card-head" },
          h("h4", { text: title }),
          h("span", { class: "badge", text: plural(commandCount, "command") }),
          h("span", { class: "spacer" }),
          h("button", {
            type: "button",
            class: "secondary",
            "data-copy": "curl",
            "aria-label": `Copy request ${index + 1} as curl`,
            title: reveal ? "Copies the command with the real Authorization header" : "Secrets come from $BLOOMREACH_API_KEY / $BLOOMREACH_API_SECRET",
            text: "Copy as curl",
            onclick: (event) => copyText(curlCommand(request, el.showSecrets.checked), event.currentTarget, `request ${index + 1} as curl`, el.announcer),
          }),
          h("button", {
            type: "button",
            class: "secondary",
            "data-copy": "body",
            "aria-label": `Copy the body of request ${index + 1}`,
            text: "Copy body",
            onclick: (event) => copyText(request.body, event.currentTarget, `the body of request ${index + 1}`, el.announcer),
          }),
        ),
        h(
          "div",
          { class: "card-body" },
          h("p", { class: "request-line" }, h("span", { class: "method", text: request.method }), h("span", { class: "url", text: request.url })),
          headerList,
          jsonBlock(pretty(request.body), `Body of request ${index + 1}`),
        ),
      ),
    );
    el.requests.lastChild.querySelector("pre").classList.add("body");
  });
  if (shown.length < requests.length) {
    el.requests.append(
      h("p", { class: "more" }, h("button", { type: "button", class: "secondary", text: `Show all ${requests.length} requests`, onclick: () => { showAllRequests = true; renderRequests(view); makeScrollersFocusable(); } })),
    );
  }
}

function countCommandsOf(state, requestIndex) {
  let n = 0;
  for (const group of state.groups) for (const command of group.commands) if (command.request === requestIndex) n++;
  return n;
}

function eventTitle(group) {
  let summary = "";
  try {
    const event = JSON.parse(group.input);
    if (event && typeof event === "object" && !Array.isArray(event)) {
      const type = typeof event.type === "string" ? event.type : "event";
      const name = typeof event.event === "string" ? event.event : typeof event.name === "string" ? event.name : "";
      summary = name ? `${type} “${name}”` : type;
      if (type === "group" && event.groupId !== undefined) summary += ` ${event.groupId}`;
      return { summary, messageId: typeof event.messageId === "string" || typeof event.messageId === "number" ? String(event.messageId) : "" };
    }
  } catch {
    // not readable here: the core has its say in the rejection
  }
  return { summary: summary || "event", messageId: "" };
}

/** A rule's name as a button that shows the rule in the Rules editor. */
function ruleChip(view, index) {
  const name = ruleName(view.rules[index], index);
  return h("button", {
    type: "button",
    class: "chip rule",
    "data-rule-index": String(index),
    "aria-label": `Rule “${name}”: show it in the Rules editor`,
    text: name,
    onclick: () => view.goToRule(index),
  });
}

/** The event as the rules and presets see it (null when not readable), read once per event shown. */
function eventOf(view, group) {
  if (group.event === undefined) group.event = group.input === null ? null : eventAsRulesSeeIt(group.input, view.state.sharedValues);
  return group.event;
}

/** What made each command of the event: "classic", "preset" or "rule" (see rules.js originKinds). */
function kindsOf(group) {
  group.kinds ??= originKinds(group.commands.map((c) => c.origin));
  return group.kinds;
}

/**
 * "Taken by rule …" (the rules whose subscription takes the event), or else the preset rows or
 * the classic mapping that made its commands; null without rules.
 */
function takenByLine(view, group) {
  if (!view.rules.length || group.input === null) return null;
  const event = eventOf(view, group);
  // A consent-preference event is the consent preset's alone: no rule sees it (README, "Consent").
  const presetOnly = consentPresetTakes(event, view.state.settings);
  // Asked of the package once per event shown: the state is new whenever the input, settings or rules change.
  group.taking ??= presetOnly ? [] : rulesTaking(event, view.rules, view.matchesSubscription);
  const taking = group.taking;
  group.takenBy = taking.map((i) => ruleName(view.rules[i], i));
  const line = h("p", { class: "via", "data-taken-by": JSON.stringify(group.takenBy) });
  const kinds = kindsOf(group);
  const presets = [...new Set(group.commands.filter((c, k) => kinds[k] === "preset").map((c) => c.origin))];
  if (presetOnly) {
    line.append("Taken by no rule (no rule sees a consent-preference event): ", presetChip("consent"));
  } else if (!taking.length && presets.length) {
    line.append("Taken by no rule: ", ...presets.map(presetChip));
  } else if (!taking.length) {
    line.append("Taken by no rule: ", h("span", { class: "chip classic", text: "classic mapping" }));
  } else {
    line.append(taking.length === 1 ? "Taken by the rule " : "Taken by the rules ", ...taking.map((i) => ruleChip(view, i)));
  }
  return line;
}

/** A preset row's label as the page shows it: "preset: Order Completed → purchase", "preset: consent". */
function presetText(origin) {
  return `preset: ${origin.startsWith("ecommerce: ") ? origin.slice("ecommerce: ".length) : origin}`;
}

/** A preset row, marked apart from the rules: a setting made it, not the Rules panel. */
function presetChip(origin) {
  const setting = origin.startsWith("ecommerce: ") ? "ecommerceEvents" : "consentCategories";
  return h("span", { class: "chip preset", "data-preset": origin, title: `Made by the preset of the ${setting} setting (${origin}), not by a rule`, text: presetText(origin) });
}

/** "rule “order lines”", a preset row, or "classic mapping", for a command's origin. */
function originLabel(origin, kind) {
  if (kind === "classic") return h("span", { class: "chip classic", text: "classic mapping" });
  return kind === "preset" ? presetChip(origin) : h("span", { class: "chip rule", text: origin });
}

/**
 * The commands of an event as JSON; with rules or presets, one block per run of commands from one
 * origin, each labelled with the rule or preset row that made it (or the classic mapping).
 */
function commandBlocks(view, group) {
  const labelled = view.rules.length > 0 || group.commands.some((c) => c.origin !== null);
  const kinds = labelled ? kindsOf(group) : [];
  const runs = [];
  group.commands.forEach((command, k) => {
    const last = runs.at(-1);
    if (last && last.origin === command.origin && last.kind === kinds[k]) last.commands.push(command);
    else runs.push({ origin: command.origin, kind: kinds[k], commands: [command] });
  });
  return runs.map(({ origin, kind, commands }) => {
    const from = kind === "classic" ? "the classic mapping" : kind === "preset" ? `the ${presetText(origin)}` : `rule “${origin}”`;
    const pre = jsonBlock(pretty(`[${commands.map((c) => c.raw).join(",")}]`), labelled ? `Commands of event ${group.index} from ${from}` : `Commands of event ${group.index}`);
    pre.classList.add("commands");
    if (!labelled) return pre;
    return h(
      "div",
      { class: "origin-group", "data-origin": origin ?? "", "data-origin-kind": kind },
      h("p", { class: "origin" }, "from ", originLabel(origin, kind), ` · ${plural(commands.length, "command")}`),
      pre,
    );
  });
}

export function renderEvents(view) {
  const { el, state } = view;
  el.events.replaceChildren();
  if (!state.result) {
    if (!state.empty) el.events.append(h("p", { class: "empty", text: "Nothing to map until the problem above is fixed." }));
    return;
  }
  if (state.groups.length === 0) {
    el.events.append(h("p", { class: "empty", text: "The input holds no events." }));
    return;
  }
  if (state.shared.length) {
    el.events.append(h("p", { class: "hint", text: `The batch's top-level ${state.shared.join(" and ")} also appl${state.shared.length === 1 ? "ies" : "y"} to every event (an event's own keys win).` }));
  }
  const shown = showAllEvents ? state.groups : state.groups.slice(0, PAGE_EVENTS);
  for (const group of shown) {
    const { summary, messageId } = group.input === null ? { summary: "event", messageId: "" } : eventTitle(group);
    const status = group.rejected ? "rejected" : group.skipped ? "skipped" : "mapped";
    const issue = group.rejected || group.skipped;
    const badge = issue
      ? h("span", { class: `badge ${group.rejected ? "bad" : "warn"}`, text: `${status}: ${issue.code}` })
      : h("span", { class: "badge", text: plural(group.commands.length, "command") });
    const requestsOf = [...new Set(group.commands.map((c) => c.request + 1))];
    const output = issue
      ? [h("p", { class: `issue ${group.rejected ? "" : "skip"}`, "data-code": issue.code }, h("code", { class: "code-name", text: issue.code }), " — ", h("span", { class: "issue-message", text: issue.message }))]
      : group.commands.length === 0
        ? [h("p", { class: "empty", text: "No commands." })]
        : commandBlocks(view, group);
    const via = takenByLine(view, group);
    el.events.append(
      h(
        "article",
        { class: `card event ${status}`, "data-event-index": String(group.index), "data-status": status, "aria-label": `Event ${group.index}: ${summary}, ${status}` },
        h(
          "div",
          { class: "card-head" },
          h("h4", { text: `#${group.index} ${summary}` }),
          messageId ? h("span", { class: "meta", text: `messageId ${messageId}` }) : h("span", { class: "meta", text: `no messageId → event-${group.index}` }),
          h("span", { class: "spacer" }),
          requestsOf.length ? h("span", { class: "meta", text: `in request ${requestsOf.join(", ")}` }) : null,
          badge,
        ),
        via,
        h(
          "div",
          { class: "card-body pair" },
          h("div", {}, h("h5", { text: "Segment event" }), group.input === null ? h("p", { class: "empty", text: "(not shown)" }) : jsonBlock(pretty(group.input), `Input of event ${group.index}`)),
          h("div", {}, h("h5", { text: issue ? (group.rejected ? "Rejected" : "Skipped") : "Bloomreach commands" }), ...output),
        ),
      ),
    );
  }
  if (shown.length < state.groups.length) {
    el.events.append(
      h("p", { class: "more" }, h("button", { type: "button", class: "secondary", text: `Show all ${state.groups.length} events`, onclick: () => { showAllEvents = true; renderEvents(view); makeScrollersFocusable(); } })),
    );
  }
}
