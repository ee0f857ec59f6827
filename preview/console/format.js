// Formatting shared by the console's views: numbers, times, durations, outcomes. Text only.

import { h } from "../dom.js";

export const number = (n) => (typeof n === "number" ? n.toLocaleString("en") : "–");

/** `2026-12-07T10:00:00.000Z` (or milliseconds) as local `YYYY-MM-DD HH:MM:SS`. */
export function time(value) {
  if (value === null || value === undefined || value === "") return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function duration(ms) {
  if (typeof ms !== "number") return "–";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

const OUTCOME_CLASS = { delivered: "ok", duplicate: "ok", queued: "info", pending: "warn", skipped: "warn", rejected: "bad", dead_lettered: "bad" };

/** An outcome badge: its text is the outcome as given (never markup). */
export function outcomeBadge(outcome) {
  return h("span", { class: `badge outcome ${OUTCOME_CLASS[outcome] || "info"}`, "data-outcome": String(outcome), text: String(outcome ?? "–") });
}

/** A value from an event or the API as text: strings as they are, the rest as JSON. */
export function asText(value) {
  if (value === null || value === undefined) return "–";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A status line for a view: a message, or an error's code and message. */
export function problemNote(error) {
  return h("div", { class: "problem", role: "alert" }, h("strong", { text: error.code ? `${error.code}: ` : "" }), String(error.message || error));
}
