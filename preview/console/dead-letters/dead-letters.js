// Dead letters (queue mode): the events that exhausted their retries, with their source, last error
// and replays; replay or discard the selected ones and see what became of each.

import { h, jsonBlock } from "../../dom.js";
import { get, post } from "../api.js";
import { problemNote, time } from "../format.js";

const PAGE = 100;

/** Each letter's fate in a replay report: { id: [outcome, message] }. */
export function fates(report) {
  const out = {};
  for (const id of report.delivered ?? []) out[id] = ["delivered", ""];
  for (const id of report.alreadyDelivered ?? []) out[id] = ["already delivered", "Bloomreach had it: not sent again"];
  for (const { id, message } of report.rejected ?? []) out[id] = ["rejected", message];
  for (const { id, message } of report.failed ?? []) out[id] = ["failed", message];
  for (const id of report.notFound ?? []) out[id] = ["not found", ""];
  for (const id of report.notReached ?? []) out[id] = ["not reached", "replay it again"];
  return out;
}

export function mount(root, { announce }) {
  let alive = true;
  let letters = [];
  let next = null;
  const outcomes = {}; // id → [outcome, message], from the last replay or discard
  const status = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const body = h("tbody");
  const all = h("input", { type: "checkbox", "aria-label": "Select every letter listed" });
  const replay = h("button", { type: "button", id: "replay-selected", text: "Replay selected", disabled: true });
  const discard = h("button", { type: "button", class: "secondary", id: "discard-selected", text: "Discard selected", disabled: true });
  const more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true });
  root.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "letters-heading" },
      h("div", { class: "panel-head" }, h("h2", { id: "letters-heading", text: "Dead letters" }), h("div", { class: "actions inline" }, replay, discard, h("button", { type: "button", class: "secondary", text: "Refresh", onclick: () => load() }))),
      h("p", { class: "hint", text: "In queue mode, events whose delivery failed through every retry are parked here for 14 days. Fix the cause, then replay them: the ledger makes sure none is sent twice." }),
      status,
      h("div", { class: "table-wrap" }, h("table", { class: "letters" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, all), ...["Parked", "Source", "Event", "Commands", "Last error", "Replays", "Outcome"].map((t) => h("th", { scope: "col", text: t })))), body)),
      more,
    ),
  );

  const selected = () => [...body.querySelectorAll("input[data-id]:checked")].map((box) => box.dataset.id);
  const syncButtons = () => {
    const n = selected().length;
    replay.disabled = discard.disabled = n === 0;
    replay.textContent = n ? `Replay ${n}` : "Replay selected";
    discard.textContent = n ? `Discard ${n}` : "Discard selected";
    all.checked = n > 0 && n === letters.length;
  };
  all.addEventListener("change", () => {
    for (const box of body.querySelectorAll("input[data-id]")) box.checked = all.checked;
    syncButtons();
  });

  function row(letter) {
    const event = letter.event && typeof letter.event === "object" ? letter.event : {};
    const commands = Array.isArray(event.commands) ? event.commands : [];
    const [outcome, message] = outcomes[letter.id] ?? ["", ""];
    const details = h("details", {}, h("summary", { text: `${commands.length} command${commands.length === 1 ? "" : "s"}` }), jsonBlock(JSON.stringify(commands.map((c) => { try { return JSON.parse(c.json); } catch { return c; } }), null, 2)));
    return h(
      "tr",
      { "data-letter": String(letter.id) },
      h("td", {}, h("input", { type: "checkbox", "data-id": String(letter.id), "aria-label": `Select the letter of message ${letter.messageId ?? letter.id}`, onchange: syncButtons })),
      h("td", { text: time(letter.parkedAt) }),
      h("td", { text: String(event.source ?? "default") }),
      h("td", {}, h("span", { text: String(event.type ?? "") }), " ", h("code", { text: String(letter.messageId ?? "") })),
      h("td", {}, details),
      h("td", { class: "error-text", text: String(letter.lastError ?? "") }),
      h("td", { class: "num", text: String(letter.replays ?? 0) }),
      h("td", { class: "outcome-cell", "data-outcome": outcome }, outcome ? h("span", { class: `badge ${outcome === "delivered" || outcome === "already delivered" || outcome === "discarded" ? "ok" : "bad"}`, text: outcome }) : "", message ? h("span", { class: "meta", text: ` ${message}` }) : ""),
    );
  }

  function render() {
    body.replaceChildren(...(letters.length ? letters.map(row) : [h("tr", {}, h("td", { colSpan: 8, class: "empty", text: "No dead letter is parked." }))]));
    more.hidden = !next;
    syncButtons();
  }

  async function load(after = null) {
    try {
      const page = await get(`/admin/dead-letters?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ""}`);
      if (!alive) return;
      letters = after ? [...letters, ...page.letters] : page.letters;
      next = page.next ?? null;
      if (!after) status.replaceChildren(page.failedObjects?.length ? problemNote({ code: "ledger_unavailable", message: `${page.failedObjects.length} ledger object(s) did not answer: their letters are not listed.` }) : h("p", { class: "meta", text: `${page.total ?? letters.length} parked` }));
      render();
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  }
  more.addEventListener("click", () => load(next));

  async function act(kind) {
    const ids = selected();
    if (!ids.length) return;
    replay.disabled = discard.disabled = true;
    try {
      const report = await post(`/admin/dead-letters/${kind}`, { ids });
      const got = kind === "replay" ? fates(report) : Object.fromEntries([...(report.ids ?? []).map((id) => [id, ["discarded", ""]]), ...(report.notFound ?? report.unknown ?? []).map((id) => [id, ["not found", ""]])]);
      Object.assign(outcomes, got);
      // The letters still parked are listed again; those settled stay shown with their outcome.
      const settled = letters.filter((l) => got[l.id] && got[l.id][0] !== "failed");
      const summary = Object.values(got).reduce((acc, [o]) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});
      const text = Object.entries(summary).map(([o, n]) => `${n} ${o}`).join(", ");
      await load();
      letters = [...settled.filter((l) => !letters.some((x) => x.id === l.id)), ...letters];
      render();
      status.replaceChildren(h("p", { class: "notice info", "data-report": kind, text: `${kind === "replay" ? "Replayed" : "Discarded"}: ${text || "nothing"}.` }));
      announce(`${kind === "replay" ? "Replay" : "Discard"}: ${text}`);
    } catch (error) {
      status.replaceChildren(problemNote(error));
      syncButtons();
    }
  }
  replay.addEventListener("click", () => act("replay"));
  discard.addEventListener("click", () => act("discard"));

  load();
  return () => {
    alive = false;
  };
}
