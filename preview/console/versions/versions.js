// Versions: every stored configuration version, newest first, each with what changed against the
// one before (GET /admin/config/diff) and a rollback to it (POST /admin/config/rollback).

import { h, jsonBlock } from "../../dom.js";
import { get, post } from "../api.js";
import { problemNote, time } from "../format.js";
import { differences } from "../try/compare.js";

/** One change of a diff: its path, what happened, and the values before and after as JSON text. */
export function changeItem(change) {
  // Inside a changed object or array (rules are compared whole), where exactly.
  const nested = change.before && change.after && typeof change.before === "object" && typeof change.after === "object";
  const inner = nested ? differences(change.before, change.after) : [];
  const value = (label, v) => (v === undefined ? null : h("div", { class: "change-value" }, h("span", { class: "meta", text: label }), jsonBlock(JSON.stringify(v, null, 2))));
  return h(
    "li",
    { class: `change ${change.change}`, "data-path": String(change.path) },
    h("div", { class: "change-head" }, h("span", { class: `badge change-kind ${change.change}`, text: String(change.change) }), " ", h("code", { text: String(change.path) || "(whole document)" })),
    inner.length ? h("p", { class: "diff-paths" }, "differs at ", ...inner.flatMap((p, i) => [i ? ", " : "", h("code", { text: p })])) : "",
    h("div", { class: "change-values" }, value("before", change.before), value("after", change.after)),
  );
}

export function mount(root, { announce }) {
  let alive = true;
  const status = h("div", { class: "status", role: "status" });
  const list = h("ol", { class: "versions", reversed: true });
  root.append(
    h("section", { class: "panel", "aria-labelledby": "versions-heading" }, h("div", { class: "panel-head" }, h("h2", { id: "versions-heading", text: "Versions" }), h("button", { type: "button", class: "secondary", text: "Refresh", onclick: () => load() })), h("p", { class: "hint", text: "Every published configuration, newest first. Each shows what changed against the one before; rolling back publishes the chosen version's document again as a new version." }), status, list),
  );

  async function showDiff(info, box, button) {
    if (!box.hidden) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
    box.replaceChildren(h("p", { class: "hint", text: "Loading the changes…" }));
    try {
      const diff = await get(`/admin/config/diff?from=${info.version - 1}&to=${info.version}`);
      box.replaceChildren(
        h("p", { class: "meta", text: `${diff.changes.length} change${diff.changes.length === 1 ? "" : "s"} from version ${diff.from} to ${diff.to}` }),
        diff.changes.length ? h("ul", { class: "changes" }, ...diff.changes.map(changeItem)) : h("p", { class: "empty", text: "No change." }),
      );
    } catch (error) {
      box.replaceChildren(problemNote(error));
    }
  }

  async function rollback(info, button) {
    button.disabled = true;
    try {
      const published = await post("/admin/config/rollback", { version: info.version });
      announce(`Rolled back: version ${published.version} is live, with version ${info.version}'s configuration.`);
      await load(`Version ${published.version} is live: version ${info.version}'s configuration again.`);
    } catch (error) {
      status.replaceChildren(problemNote(error));
      button.disabled = false;
    }
  }

  async function load(message = "") {
    try {
      const listing = await get("/admin/config/versions");
      if (!alive) return;
      status.replaceChildren(message ? h("p", { class: "notice info", text: message }) : "");
      if (!listing.versions.length) {
        list.replaceChildren(h("li", { class: "empty", text: "No stored version: the Worker's variables are the configuration. Publish from “Test a change” to store one." }));
        return;
      }
      list.replaceChildren(
        ...listing.versions.map((info) => {
          const live = info.version === listing.live;
          const box = h("div", { class: "diff", id: `diff-${info.version}`, hidden: true });
          const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": box.id, "data-diff": String(info.version), text: "Changes" });
          toggle.addEventListener("click", () => showDiff(info, box, toggle));
          const back = live ? null : h("button", { type: "button", class: "secondary", "data-rollback": String(info.version), text: `Roll back to ${info.version}` });
          back?.addEventListener("click", () => rollback(info, back));
          return h(
            "li",
            { class: `version${live ? " live" : ""}`, "data-version": String(info.version) },
            h("div", { class: "version-head" }, h("strong", { text: `Version ${info.version}` }), live ? h("span", { class: "badge ok", text: "live" }) : null, h("span", { class: "meta", text: `${time(info.createdAt)} · ${info.admin}` }), h("span", { class: "summary", text: info.summary }), h("span", { class: "spacer" }), toggle, back),
            box,
          );
        }),
      );
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  }

  load();
  return () => {
    alive = false;
  };
}
