// Test a change on real events: a source's live settings in an editor, captured events (picked in
// the inspector or listed here) or a pasted one, and POST /admin/sources/<s>/try shows what the live
// version and the edited settings make of them, side by side, differences marked and problems at
// their paths; publish makes the edited configuration a new version (POST /admin/config with the
// version it started from).

import { h, jsonBlock } from "../../dom.js";
import { JsonEditor } from "../../editor.js";
import { lineAt, locate, parsePath } from "../../jsontext.js";
import { get, post, chooseSource } from "../api.js";
import { asText, outcomeBadge, problemNote, time } from "../format.js";
import { pickedOf, unpick } from "../picked.js";
import { compare } from "./compare.js";

function editorBox(id, label, rows) {
  const area = h("textarea", { id, spellcheck: false, autocapitalize: "off", autocomplete: "off", wrap: "off", "aria-label": label });
  const root = h("div", { class: `editor ${rows}` }, h("div", { class: "gutter", "aria-hidden": "true" }), h("div", { class: "code" }, area));
  return { root, area };
}

export function mount(root, { params, announce }) {
  let alive = true;
  let source = params.get("source") || "";
  let live = null; // GET /admin/config's answer
  let sourceIndex = -1;
  let captured = [];
  let lastEdited = null;

  const sourceSelect = h("select", { id: "try-source" });
  const settings = editorBox("try-settings", "The source's settings (JSON)", "settings-editor");
  const paste = editorBox("try-paste", "A pasted Segment event or array of events (JSON)", "paste-editor");
  const status = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const problems = h("div", { class: "rules-problems", id: "try-problems", role: "status", "aria-live": "polite" });
  const eventList = h("ul", { class: "pick-list", id: "try-events" });
  const results = h("div", { class: "try-results", id: "try-results" });
  const summary = h("input", { type: "text", id: "publish-summary", placeholder: "what changed, for the versions list", maxLength: 200 });
  const tryButton = h("button", { type: "button", id: "try-run", text: "Try on the selected events" });
  const publishButton = h("button", { type: "button", id: "publish", class: "secondary", text: "Publish" });
  const versionNote = h("span", { class: "meta", id: "try-version" });

  root.append(
    h(
      "section",
      { class: "panel try", "aria-labelledby": "try-heading" },
      h("div", { class: "panel-head" }, h("h2", { id: "try-heading", text: "Test a change" }), h("div", { class: "field inline" }, h("label", { htmlFor: "try-source", text: "Source" }), sourceSelect), versionNote),
      status,
      h(
        "div",
        { class: "try-grid" },
        h(
          "div",
          { class: "try-inputs" },
          h("h3", { class: "section-title", text: "Settings" }),
          h("p", { class: "hint", text: "The source's live settings (mappings, presets, consent, identifiers). Edit them, then try them on events; nothing is sent to Bloomreach. Tab indents; Esc then Tab leaves the editor." }),
          settings.root,
          problems,
          h("h3", { class: "section-title", text: "Events" }),
          h("p", { class: "hint", text: "Captured events of this source (newest first), and those picked in the inspector." }),
          eventList,
          h("label", { class: "field-label", htmlFor: "try-paste", text: "Or paste events (JSON: one event or an array)" }),
          paste.root,
          h("div", { class: "actions" }, tryButton),
          h("h3", { class: "section-title", text: "Publish" }),
          h("div", { class: "field" }, h("label", { htmlFor: "publish-summary", text: "Summary" }), summary),
          h("div", { class: "actions" }, publishButton),
        ),
        h("div", { class: "try-output" }, h("h3", { class: "section-title", text: "Live version and edited settings" }), results),
      ),
    ),
  );
  const settingsEditor = new JsonEditor(settings.root);
  const pasteEditor = new JsonEditor(paste.root);

  /** The live document with this source's settings replaced by the editor's (throws on bad JSON). */
  function editedConfig() {
    const text = settingsEditor.value;
    let value;
    try {
      value = text.trim() === "" ? {} : JSON.parse(text);
    } catch (error) {
      throw Object.assign(new Error(`The settings are not valid JSON: ${error.message}`), { code: "invalid_json" });
    }
    const config = structuredClone(live.config ?? {});
    if (sourceIndex >= 0) config.sources[sourceIndex].settings = value;
    return config;
  }

  /** Problems at their paths: listed, and the lines of those inside this source's settings marked. */
  function showProblems(list) {
    const prefix = `sources[${sourceIndex}].settings`;
    const text = settingsEditor.value;
    const lines = [];
    problems.replaceChildren();
    if (!list.length) {
      settingsEditor.mark([]);
      return;
    }
    const items = list.map((p) => {
      const path = String(p.path ?? p.field ?? "");
      let line = 0;
      if (path.startsWith(prefix)) {
        const steps = parsePath(path.slice(prefix.length));
        if (steps) line = lineAt(text, locate(text, steps).offset);
      }
      if (line) lines.push(line);
      const go = line ? h("button", { type: "button", class: "link", text: `line ${line}`, onclick: () => settingsEditor.goTo(locate(text, parsePath(path.slice(prefix.length))).offset, line) }) : null;
      return h("li", { "data-problem": path }, go, go ? " " : "", h("code", { class: "problem-path", text: path }), h("span", { class: "problem-message", text: `: ${asText(p.message)}` }));
    });
    problems.append(h("p", { class: "problems-title" }, h("strong", { text: `${list.length} problem${list.length === 1 ? "" : "s"} in the edited configuration.` })), h("ul", {}, ...items));
    settingsEditor.mark(lines, JSON.stringify(list));
  }

  function selectedEvents() {
    const events = [];
    for (const box of eventList.querySelectorAll("input[data-index]:checked")) events.push(captured[Number(box.dataset.index)].payload);
    const text = pasteEditor.value.trim();
    if (text) {
      let value;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw Object.assign(new Error(`The pasted events are not valid JSON: ${error.message}`), { code: "invalid_json" });
      }
      events.push(...(Array.isArray(value) ? value : Array.isArray(value?.batch) ? value.batch : [value]));
    }
    return events;
  }

  function commandCard(entry, kind, paths) {
    if (!entry) return h("div", { class: `try-command ${kind} none`, text: kind === "added" ? "(none in the live version)" : "(none with the edit)" });
    const origin = entry.origin === null || entry.origin === undefined ? h("span", { class: "chip classic", text: "classic mapping" }) : h("span", { class: "chip rule", text: String(entry.origin) });
    return h(
      "div",
      { class: `try-command ${kind}`, "data-kind": kind },
      h("div", { class: "command-head" }, h("code", { text: asText(entry.command?.name) }), origin),
      paths.length ? h("p", { class: "diff-paths" }, "differs at ", ...paths.flatMap((p, i) => [i ? ", " : "", h("code", { text: p })])) : "",
      jsonBlock(JSON.stringify(entry.command?.data ?? entry.command, null, 2)),
    );
  }

  function issues(side, index) {
    const of = (list, kind) => (list ?? []).filter((x) => x.index === index).map((x) => h("p", { class: `issue ${kind === "skipped" ? "skip" : ""}` }, outcomeBadge(kind), " ", h("code", { class: "code-name", text: asText(x.code) }), h("span", { text: ` ${asText(x.message)}` })));
    return [...of(side?.rejected, "rejected"), ...of(side?.skipped, "skipped")];
  }

  function renderResults(events, answer) {
    const edited = answer.edited;
    const compared = compare(answer.live, edited ?? answer.live, events.length);
    const changed = compared.reduce((n, e) => n + e.pairs.filter((p) => p.kind !== "same").length, 0);
    const total = compared.reduce((n, e) => n + e.pairs.length, 0);
    const hasProblems = edited?.problems?.length > 0;
    results.replaceChildren(
      h("p", { class: `notice ${hasProblems ? "warn" : changed ? "info" : ""}`, id: "try-summary", "data-changed": String(changed), text: hasProblems ? "The edited configuration has problems (listed under the settings): it makes no command." : `${changed} of ${total} command${total === 1 ? "" : "s"} differ${changed === 1 ? "s" : ""} between the live version${answer.live?.version ? ` (${answer.live.version})` : ""} and the edit.` }),
      ...compared.map(({ index, pairs }) => {
        const event = events[index] ?? {};
        return h(
          "section",
          { class: "card try-event", "data-event": String(index) },
          h("div", { class: "card-head" }, h("h4", { text: `${asText(event.type ?? "track")} ${event.event ?? event.name ?? ""}`.trim() }), h("span", { class: "meta", text: asText(event.messageId ?? "") })),
          h(
            "div",
            { class: "card-body" },
            h("div", { class: "versus" }, h("div", {}, h("h5", { text: "Live" }), ...issues(answer.live, index)), h("div", {}, h("h5", { text: "Edited" }), ...(hasProblems ? [] : issues(edited, index)))),
            ...pairs.map((p) => h("div", { class: `versus pair-${p.kind}`, "data-kind": p.kind }, commandCard(p.live, p.kind === "added" ? "added" : p.kind, p.paths), hasProblems ? h("div", { class: "try-command none", text: "–" }) : commandCard(p.edited, p.kind === "removed" ? "removed" : p.kind, p.paths))),
            pairs.length ? "" : h("p", { class: "empty", text: "No command on either side." }),
          ),
        );
      }),
    );
  }

  async function runTry() {
    status.replaceChildren();
    let events;
    let config;
    try {
      events = selectedEvents();
      config = editedConfig();
    } catch (error) {
      status.replaceChildren(problemNote(error));
      return;
    }
    if (!events.length) {
      status.replaceChildren(problemNote({ message: "Select a captured event or paste one." }));
      return;
    }
    tryButton.disabled = true;
    try {
      const answer = await post(`/admin/sources/${encodeURIComponent(source)}/try`, { events, config });
      if (!alive) return;
      lastEdited = config;
      showProblems(answer.edited?.problems ?? []);
      renderResults(events, answer);
      announce("Tried: results shown.");
      window.__console.tried = (window.__console.tried ?? 0) + 1;
    } catch (error) {
      status.replaceChildren(problemNote(error));
      if (error.detail?.problems) showProblems(error.detail.problems);
    } finally {
      tryButton.disabled = false;
    }
  }

  async function publish() {
    status.replaceChildren();
    let config;
    try {
      config = editedConfig();
    } catch (error) {
      status.replaceChildren(problemNote(error));
      return;
    }
    publishButton.disabled = true;
    try {
      const published = await post("/admin/config", { config, summary: summary.value.trim() || `settings of ${source} edited in the console`, baseVersion: live.version ?? 0 });
      announce(`Published version ${published.version}.`);
      summary.value = "";
      await loadLive(`Published: version ${published.version} is live.`);
    } catch (error) {
      if (error.code === "config_conflict") {
        const reload = h("button", { type: "button", class: "link", text: "Load the live version", onclick: () => loadLive() });
        status.replaceChildren(h("div", { class: "problem", role: "alert" }, h("strong", { text: "config_conflict: " }), `version ${error.detail.live} was published since you opened version ${live.version ?? 0}. Your edit is kept here; `, reload, " (it replaces the editor's text)."));
      } else {
        status.replaceChildren(problemNote(error));
        if (error.detail?.problems) showProblems(error.detail.problems);
      }
    } finally {
      publishButton.disabled = false;
    }
  }

  function renderEvents() {
    const picked = pickedOf(source);
    const ids = new Set(captured.map((e) => e.id));
    captured = [...picked.filter((p) => !ids.has(p.id)), ...captured];
    const pickedIds = new Set(picked.map((p) => p.id));
    eventList.replaceChildren(
      ...(captured.length
        ? captured.map((record, i) =>
            h(
              "li",
              { "data-id": String(record.id) },
              h("label", {}, h("input", { type: "checkbox", "data-index": String(i), checked: pickedIds.has(record.id), onchange: (e) => { if (!e.target.checked) unpick(source, record.id); } }), " ", outcomeBadge(record.outcome), " ", h("span", { text: `${asText(record.type)} ${record.event ?? ""}` }), " ", h("span", { class: "meta", text: `${time(record.receivedAt)} · ${record.userId ?? record.anonymousId ?? ""}` })),
            ),
          )
        : [h("li", { class: "empty", text: "No captured event: paste one below." })]),
    );
  }

  async function loadLive(message = "") {
    live = await get("/admin/config");
    if (!alive) return;
    const sources = live.config?.sources ?? [];
    sourceIndex = sources.findIndex((s) => s.name === source);
    const current = sourceIndex >= 0 ? sources[sourceIndex].settings ?? {} : {};
    settingsEditor.setText(JSON.stringify(current, null, 2));
    showProblems([]);
    versionNote.textContent = live.version ? `live: version ${live.version}` : "live: the Worker's variables";
    if (message) status.replaceChildren(h("p", { class: "notice info", id: "publish-result", text: message }));
    results.replaceChildren(h("p", { class: "empty", text: "Pick events and try the settings to compare." }));
  }

  async function loadEvents() {
    try {
      const page = await get(`/admin/sources/${encodeURIComponent(source)}/events?limit=20`);
      // Records without their event (a queue consumer's) cannot be tried.
      captured = (page.events ?? []).filter((e) => e.payload && typeof e.payload === "object");
    } catch (error) {
      captured = [];
      if (error.status !== 404) status.replaceChildren(problemNote(error));
    }
    if (alive) renderEvents();
  }

  tryButton.addEventListener("click", runTry);
  publishButton.addEventListener("click", publish);
  sourceSelect.addEventListener("change", () => {
    location.hash = `#try?source=${encodeURIComponent(sourceSelect.value)}`;
  });

  (async () => {
    try {
      source = await chooseSource(sourceSelect, source);
      if (!alive) return;
      await loadLive();
      await loadEvents();
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  })();

  window.__console.lastEdited = () => lastEdited;
  return () => {
    alive = false;
  };
}
