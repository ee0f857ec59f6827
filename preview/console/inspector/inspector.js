// The delivery inspector: a source's recent events (newest first) with filters by outcome, code,
// event name and user; new ones arrive over a WebSocket without reloading; a detail pane shows the
// event as stored, the commands as sent with the rule or preset that made each, their status and
// Bloomreach's answer. Every value from an event is set as text, never as HTML.

import { h, jsonBlock } from "../../dom.js";
import { get, chooseSource } from "../api.js";
import { asText, duration, outcomeBadge, problemNote, time } from "../format.js";
import { pick } from "../picked.js";

const OUTCOMES = ["delivered", "rejected", "skipped", "pending", "queued", "duplicate", "dead_lettered"];
const LIMIT = 50;

/** Whether a record passes the filters (as the server applies them, for events arriving live). */
export function matches(record, f) {
  if (f.outcome && record.outcome !== f.outcome) return false;
  if (f.code && record.code !== f.code) return false;
  if (f.event && record.event !== f.event) return false;
  if (f.user && record.userId !== f.user && record.anonymousId !== f.user) return false;
  return true;
}

/** Where a command came from: a rule's or preset's name, or the classic mapping. */
function originChip(origin) {
  return origin === null || origin === undefined ? h("span", { class: "chip classic", text: "classic mapping" }) : h("span", { class: "chip rule", text: String(origin) });
}

/** The detail pane of one record. */
export function detail(record, { onPick } = {}) {
  const commands = Array.isArray(record.commands) ? record.commands : [];
  const facts = [
    ["received", time(record.receivedAt)],
    ["source", asText(record.source)],
    ["configuration", record.configVersion === null || record.configVersion === undefined ? "variables" : `version ${record.configVersion}`],
    ["call", asText(record.type)],
    ["event", asText(record.event)],
    ["userId", asText(record.userId)],
    ["anonymousId", asText(record.anonymousId)],
    ["messageId", asText(record.messageId)],
    ["took", duration(record.durationMs)],
  ];
  return h(
    "article",
    { class: "event-detail", "data-id": String(record.id), "aria-label": "Event detail" },
    h("div", { class: "detail-head" }, outcomeBadge(record.outcome), record.code ? h("code", { class: "code-name", "data-code": String(record.code), text: String(record.code) }) : "", record.detail ? h("span", { class: "detail-text", text: String(record.detail) }) : "", h("span", { class: "spacer" }), onPick && record.payload ? h("button", { type: "button", class: "secondary", text: "Test a change on this event", onclick: () => onPick(record) }) : ""),
    h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
    h("h4", { text: `Commands (${commands.length})` }),
    commands.length
      ? h(
          "ol",
          { class: "commands" },
          ...commands.map((c) =>
            h(
              "li",
              { class: `command ${c.status === "accepted" ? "ok" : c.status === "rejected" ? "bad" : ""}`, "data-status": String(c.status) },
              h("div", { class: "command-head" }, h("code", { text: asText(c.name) }), originChip(c.origin), h("span", { class: `badge ${c.status === "accepted" || c.status === "duplicate" ? "ok" : c.status === "rejected" ? "bad" : c.status === "queued" ? "info" : "warn"}`, text: asText(c.status) })),
              h("div", { class: "pair" }, h("div", {}, h("h5", { text: "Sent" }), c.data === null || c.data === undefined ? h("p", { class: "empty", text: "Not kept (a source with redacted fields, in queue mode: the consumer cannot redact copies)." }) : jsonBlock(JSON.stringify(c.data, null, 2), "Command as sent")), h("div", { class: "answer" }, h("h5", { text: "Bloomreach answered" }), jsonBlock(JSON.stringify(c.answer ?? null, null, 2), "Bloomreach's answer"))),
            ),
          ),
        )
      : h("p", { class: "empty", text: "No command: nothing was sent for this event." }),
    h("h4", { text: "Event as received" }),
    record.payload === null || record.payload === undefined ? h("p", { class: "empty", text: "Not in this record: in queue mode the event is kept by its queued record, the consumer's has its commands only." }) : jsonBlock(JSON.stringify(record.payload, null, 2), "Event payload"),
  );
}

export function mount(root, { params, go, announce }) {
  let alive = true;
  let source = params.get("source") || "";
  let events = [];
  let next = null;
  let selectedId = null;
  let socket = null;
  let retry = 0;
  const filters = { outcome: params.get("outcome") || "", code: params.get("code") || "", event: params.get("event") || "", user: params.get("user") || "" };

  const sourceSelect = h("select", { id: "inspector-source" });
  const outcome = h("select", { id: "filter-outcome" }, h("option", { value: "", text: "any" }), ...OUTCOMES.map((o) => h("option", { value: o, text: o })));
  const code = h("input", { type: "text", id: "filter-code", placeholder: "unsupported_type", spellcheck: false });
  const eventName = h("input", { type: "text", id: "filter-event", placeholder: "Order Completed", spellcheck: false });
  const user = h("input", { type: "text", id: "filter-user", placeholder: "userId or anonymousId", spellcheck: false });
  outcome.value = filters.outcome;
  code.value = filters.code;
  eventName.value = filters.event;
  user.value = filters.user;
  const live = h("span", { class: "live-state", id: "live-state", role: "status", text: "live: connecting" });
  const status = h("div", { class: "status" });
  const list = h("tbody", { id: "event-rows" });
  const pane = h("div", { class: "detail-pane", id: "detail", tabIndex: -1 }, h("p", { class: "empty", text: "Pick an event to see its commands and Bloomreach's answer." }));
  const more = h("button", { type: "button", class: "secondary", text: "Older events", hidden: true });
  const field = (label, control) => h("div", { class: "field" }, h("label", { htmlFor: control.id, text: label }), control);
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter events" }, field("Source", sourceSelect), field("Outcome", outcome), field("Code", code), field("Event name", eventName), field("User", user), h("div", { class: "actions" }, h("button", { type: "submit", text: "Filter" }), h("button", { type: "button", class: "secondary", text: "Clear", onclick: () => { outcome.value = code.value = eventName.value = user.value = ""; form.requestSubmit(); } })));
  root.append(
    h(
      "section",
      { class: "panel inspector", "aria-labelledby": "inspector-heading" },
      h("div", { class: "panel-head" }, h("h2", { id: "inspector-heading", text: "Inspector" }), live),
      form,
      status,
      h("div", { class: "split" }, h("div", { class: "list-col" }, h("div", { class: "table-wrap" }, h("table", { class: "events-table" }, h("caption", { class: "visually-hidden", text: "Recent events, newest first" }), h("thead", {}, h("tr", {}, ...["Received", "Call", "Event", "User", "Outcome", "Took"].map((t) => h("th", { scope: "col", text: t })))), list)), more), pane),
    ),
  );

  const onPick = (record) => {
    pick(source, record);
    go("try", { source });
  };

  function row(record) {
    const open = h("button", { type: "button", class: "row-button", "data-open": String(record.id), "aria-label": `Show ${asText(record.type)} ${asText(record.event)} received ${time(record.receivedAt)}` }, h("span", { text: time(record.receivedAt) }));
    open.addEventListener("click", () => select(record.id));
    return h(
      "tr",
      { "data-id": String(record.id), "data-outcome": String(record.outcome), class: record.id === selectedId ? "selected" : "" },
      h("td", {}, open),
      h("td", { text: asText(record.type) }),
      h("td", { class: "ellipsis", text: record.event === null || record.event === undefined ? "" : String(record.event) }),
      h("td", { class: "ellipsis", text: String(record.userId ?? record.anonymousId ?? "") }),
      h("td", {}, outcomeBadge(record.outcome), record.code ? h("code", { class: "code-name", text: ` ${record.code}` }) : ""),
      h("td", { class: "num", text: duration(record.durationMs) }),
    );
  }

  function renderList() {
    list.replaceChildren(...(events.length ? events.map(row) : [h("tr", {}, h("td", { colSpan: 6, class: "empty", text: "No event matches (yet)." }))]));
    more.hidden = !next;
  }

  function select(id) {
    selectedId = id;
    const record = events.find((e) => e.id === id);
    for (const tr of list.querySelectorAll("tr[data-id]")) {
      const on = tr.dataset.id === String(id);
      tr.classList.toggle("selected", on);
      const button = tr.querySelector("button[data-open]");
      if (on) button?.setAttribute("aria-current", "true");
      else button?.removeAttribute("aria-current");
    }
    pane.replaceChildren(record ? detail(record, { onPick }) : h("p", { class: "empty", text: "Pick an event." }));
    if (record && window.matchMedia("(max-width: 960px)").matches) pane.focus();
  }

  function query(before) {
    const q = new URLSearchParams({ limit: String(LIMIT) });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (before) q.set("before", before);
    return `/admin/sources/${encodeURIComponent(source)}/events?${q}`;
  }

  async function load(before = null) {
    try {
      const page = await get(query(before));
      if (!alive) return;
      events = before ? [...events, ...page.events] : page.events;
      next = page.next ?? null;
      status.replaceChildren();
      renderList();
      if (selectedId && events.some((e) => e.id === selectedId)) select(selectedId);
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  }
  more.addEventListener("click", () => load(next));
  // Up and down arrows move between the rows' buttons (Tab reaches them too).
  list.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = [...list.querySelectorAll("button[data-open]")];
    const at = buttons.indexOf(document.activeElement);
    if (at === -1) return;
    event.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  });

  function connect() {
    socket?.close();
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/admin/sources/${encodeURIComponent(source)}/live`;
    const ws = new WebSocket(url);
    socket = ws;
    live.textContent = "live: connecting";
    ws.addEventListener("open", () => {
      retry = 0;
      live.textContent = "live";
      live.className = "live-state on";
    });
    ws.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data?.type !== "event" || !data.event || !matches(data.event, filters)) return;
      if (events.some((e) => e.id === data.event.id)) return;
      events = [data.event, ...events];
      renderList();
      window.__console.liveEvents = (window.__console.liveEvents ?? 0) + 1;
    });
    ws.addEventListener("close", () => {
      if (!alive || socket !== ws) return;
      live.textContent = "live: reconnecting";
      live.className = "live-state off";
      retry = Math.min(retry + 1, 6);
      setTimeout(() => alive && socket === ws && connect(), 500 * 2 ** retry);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    Object.assign(filters, { outcome: outcome.value, code: code.value.trim(), event: eventName.value.trim(), user: user.value.trim() });
    go("inspector", { source, ...filters });
  });
  sourceSelect.addEventListener("change", () => go("inspector", { source: sourceSelect.value, ...filters }));

  (async () => {
    try {
      source = await chooseSource(sourceSelect, source);
      if (!alive) return;
      await load();
      if (alive) connect();
      announce(`Inspector: ${source}`);
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  })();

  return () => {
    alive = false;
    const ws = socket;
    socket = null;
    ws?.close();
  };
}
