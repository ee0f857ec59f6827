// Overview: per source and in total, the last hour or the last 24 hours: received, delivered,
// rejected by code, skipped by reason, retried, pending, dead-lettered, and the duplicates the
// ledger spared, with charts per minute or per hour (uPlot) and delivery latency; each source's
// configuration version, cache age, bindings and inspector settings.

import uPlot from "../vendor/uPlot.esm.js";
import { h } from "../../dom.js";
import { get } from "../api.js";
import { duration, number, problemNote } from "../format.js";

const REFRESH_MS = 10_000;
const SERIES = [
  { key: "received", label: "received", stroke: "#0b5fcc" },
  { key: "delivered", label: "delivered", stroke: "#1a7f37" },
  { key: "rejected", label: "rejected", stroke: "#b42318" },
  { key: "skipped", label: "skipped", stroke: "#8a5300" },
  { key: "duplicates", label: "duplicates spared", stroke: "#8250df" },
];

const sum = (byCode) => Object.values(byCode ?? {}).reduce((a, b) => a + b, 0);

/** The counts of a window as [label, value, class] rows. */
function countRows(w) {
  return [
    ["received", w.received, ""],
    ["delivered", w.delivered, "ok"],
    ["rejected", sum(w.rejected), "bad"],
    ["skipped", sum(w.skipped), "warn"],
    ["retried", w.retried, "warn"],
    ["pending", w.pending, "warn"],
    ["dead-lettered", w.deadLettered, "bad"],
    ["duplicates spared", w.duplicates, "info"],
  ];
}

function counts(w, label) {
  const byCode = (name, map) => {
    const entries = Object.entries(map ?? {});
    return entries.length ? h("li", { "data-breakdown": name }, h("span", { class: "meta", text: `${name}: ` }), ...entries.flatMap(([code, n], i) => [i ? ", " : "", h("code", { text: code }), ` ${number(n)}`])) : null;
  };
  return [
    h(
      "dl",
      { class: "counts-grid", "aria-label": label },
      ...countRows(w).map(([name, value, cls]) => h("div", { class: `count ${cls}${value ? " nonzero" : ""}`, "data-count": name }, h("dt", { text: name }), h("dd", {}, h("span", { class: "n", text: number(value ?? 0) })))),
      h("div", { class: "count", "data-count": "latency" }, h("dt", { text: "latency p50 / p95" }), h("dd", {}, h("span", { class: "n small", text: `${duration(w.latencyMs?.p50)} / ${duration(w.latencyMs?.p95)}` }))),
    ),
    h("ul", { class: "breakdown" }, byCode("rejected", w.rejected), byCode("skipped", w.skipped), byCode("requests refused", w.refused)),
  ];
}

/** A uPlot line chart of a window's series, sized to its box. */
function chart(box, w, title) {
  const series = Array.isArray(w.series) ? w.series : [];
  const data = [series.map((p) => Date.parse(p.t) / 1000), ...SERIES.map((s) => series.map((p) => p[s.key] ?? 0))];
  const width = Math.max(260, Math.floor(box.clientWidth || 600));
  // A canvas knows no currentColor: the axes take the page's text colour (light or dark theme).
  const ink = getComputedStyle(box).color;
  const plot = new uPlot(
    {
      title,
      width,
      height: 180,
      series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, points: { show: false } }))],
      axes: [{ stroke: ink, grid: { stroke: "rgba(128,128,128,0.2)" }, ticks: { stroke: "rgba(128,128,128,0.3)" } }, { stroke: ink, grid: { stroke: "rgba(128,128,128,0.2)" }, ticks: { stroke: "rgba(128,128,128,0.3)" }, size: 40 }],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      legend: { live: false },
    },
    data,
    box,
  );
  return plot;
}

function bindingList(bindings) {
  return h("ul", { class: "bindings" }, ...Object.entries(bindings ?? {}).map(([name, on]) => h("li", { class: on ? "on" : "off", "data-binding": name, text: `${name} ${on ? "on" : "off"}` })));
}

export function mount(root, { go }) {
  let alive = true;
  let windowKey = "lastHour";
  let plots = [];
  let data = null;
  const status = h("div", { class: "status", role: "status" });
  const body = h("div", { class: "overview" });
  const pick = (key) => {
    windowKey = key;
    for (const b of switcher.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.window === key));
    render();
  };
  const switcher = h(
    "div",
    { class: "segmented", role: "group", "aria-label": "Time window" },
    h("button", { type: "button", class: "secondary", "data-window": "lastHour", "aria-pressed": "true", text: "Last hour", onclick: () => pick("lastHour") }),
    h("button", { type: "button", class: "secondary", "data-window": "lastDay", "aria-pressed": "false", text: "Last 24 hours", onclick: () => pick("lastDay") }),
  );
  root.append(h("section", { class: "panel", "aria-labelledby": "overview-heading" }, h("div", { class: "panel-head" }, h("h2", { id: "overview-heading", text: "Overview" }), switcher), status, body));

  function clearPlots() {
    for (const p of plots) p.destroy();
    plots = [];
  }

  function card(name, w, extra, isTotal) {
    const chartBox = h("div", { class: "chart", "data-chart": name });
    const section = h(
      "section",
      { class: `card source-card${isTotal ? " total" : ""}`, "data-source": name, "aria-label": isTotal ? "All sources" : `Source ${name}` },
      h("div", { class: "card-head" }, h("h3", { text: isTotal ? "All sources" : name }), h("span", { class: "spacer" }), isTotal ? null : h("button", { type: "button", class: "link", "data-focus-key": `inspect:${name}`, text: "Inspect", "aria-label": `Inspect ${name}`, onclick: () => go("inspector", { source: name }) })),
      h("div", { class: "card-body" }, ...counts(w, `${isTotal ? "All sources" : name}: counts`), chartBox, extra),
    );
    return { section, chartBox, w };
  }

  function render() {
    if (!data) return;
    // The focused control is found again after drawing (by its source and role).
    const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    clearPlots();
    const label = windowKey === "lastHour" ? "per minute, last hour" : "per hour, last 24 hours";
    const cards = [card("total", data.total[windowKey], null, true)];
    for (const source of data.sources) {
      const facts = h(
        "dl",
        { class: "facts" },
        h("dt", { text: "configuration" }), h("dd", { text: source.configVersion === null || source.configVersion === undefined ? "variables" : `version ${source.configVersion}` }),
        h("dt", { text: "cache age" }), h("dd", { text: typeof source.cacheAgeSeconds === "number" ? `${source.cacheAgeSeconds.toFixed(1)} s` : "–" }),
        h("dt", { text: "bindings" }), h("dd", {}, bindingList(source.bindings)),
        h("dt", { text: "inspector" }), h("dd", { text: source.inspector ? `${source.inspector.enabled ? "on" : "off"} · keeps ${source.inspector.keep} for ${source.inspector.hours} h${source.inspector.redact?.length ? ` · redacts ${source.inspector.redact.join(", ")}` : ""}` : "–" }),
      );
      const trouble = source.inspectorError ? h("p", { class: "notice warn", text: `This source's inspector did not answer: ${source.inspectorError}` }) : null;
      cards.push(card(source.name, source[windowKey], h("div", {}, trouble, facts), false));
    }
    body.replaceChildren(
      h("p", { class: "hint", text: "Events per source. Duplicates spared: commands the delivery ledger found delivered already and did not send again (Bloomreach bills every processed event, duplicates included). Latency: from arrival to Bloomreach's last answer, median and 95th percentile. Refreshed every 10 s." }),
      data.inspector !== "on" ? h("p", { class: "notice warn", text: `Inspector: ${data.inspector}. Counts need it.` }) : "",
      h("div", { class: "cards" }, ...cards.map((c) => c.section)),
    );
    for (const c of cards) plots.push(chart(c.chartBox, c.w, label));
    if (focused) body.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  }

  async function load() {
    try {
      const next = await get("/admin/overview");
      if (!alive) return;
      // Drawn again only when something changed (the focus and the charts' hover stay put).
      if (data && JSON.stringify(next) === JSON.stringify(data)) return;
      data = next;
      status.replaceChildren();
      render();
    } catch (error) {
      if (alive) status.replaceChildren(problemNote(error));
    }
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  let resizeTimer = 0;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 150);
  };
  window.addEventListener("resize", onResize);
  window.__console.overview = () => data;
  return () => {
    alive = false;
    clearInterval(timer);
    window.removeEventListener("resize", onResize);
    clearPlots();
  };
}
