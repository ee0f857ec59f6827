// What a person sees while a backfill runs (a live bar on a terminal, a plain line every few
// seconds otherwise) and at its end (the summary, as text or JSON).

const number = new Intl.NumberFormat("en-US");
const n = (value) => number.format(value);

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Reports progress on `stream` while the run goes: redrawn every 250 ms on a terminal, one line
 * every `intervalMs` otherwise. `snapshot()` gives the figures. Returns `{ stop() }`.
 */
export function startProgress({ stream, tty, intervalMs = 5000, snapshot }) {
  const started = snapshot().startedAt;
  const samples = [[started, 0]]; // [time, events finished] over the last 10 s, for a current speed
  let drawn = false;
  function speed(now, finished) {
    samples.push([now, finished]);
    while (samples.length > 2 && now - samples[0][0] > 10_000) samples.shift();
    const [t0, f0] = samples[0];
    return now > t0 ? ((finished - f0) * 1000) / (now - t0) : 0;
  }
  /** The figures, most important first, so a narrow terminal cuts the least useful. */
  function figures() {
    const s = snapshot();
    const now = Date.now();
    // Sending: events finished (delivered, rejected or skipped) per second; a dry run: events read.
    const finished = s.dryRun ? s.events : s.delivered + sum(s.rejected) + sum(s.skipped);
    const fraction = s.totalBytes ? Math.min(1, s.bytesRead / s.totalBytes) : null;
    const elapsed = (now - s.startedAt) / 1000;
    const eta = fraction !== null && fraction > 0.001 ? formatDuration((elapsed / fraction) * (1 - fraction)) : null;
    const where = fraction !== null
      ? `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}% of ${formatBytes(s.totalBytes)}${eta ? `, ETA ${eta}` : ""}`
      : `${formatBytes(s.bytesRead)} read`;
    const counts = [
      `${n(Math.round(speed(now, finished)))} events/s`,
      `${n(s.events)} read`,
      ...(s.alreadyDone > 0 ? [`${n(s.alreadyDone)} lines already done`] : []),
      ...(s.dryRun ? [] : [`${n(s.delivered)} delivered`]),
      `${n(sum(s.rejected))} rejected`,
      ...(s.dryRun ? [] : [`${n(s.retries)} retried`]),
      ...(s.pending > 0 ? [`${n(s.pending)} pending`] : []),
    ];
    return { fraction, where, counts };
  }
  function draw() {
    const { fraction, where, counts } = figures();
    if (!tty) {
      stream.write(`backfill: ${where}; ${counts.join(", ")}\n`);
      return;
    }
    const columns = stream.columns || 80;
    const width = columns >= 120 ? 20 : columns >= 90 ? 10 : 0;
    const bar = fraction === null || width === 0 ? "" : `[${"#".repeat(Math.round(width * fraction)).padEnd(width, ".")}] `;
    const full = `${bar}${where} · ${counts.join(" · ")}`;
    stream.write(`\r\x1b[2K${full.length >= columns ? full.slice(0, columns - 1) : full}`);
    drawn = true;
  }
  const timer = setInterval(draw, tty ? 250 : intervalMs);
  timer.unref();
  return {
    /** Clears the bar, so what follows starts on a clean line. */
    clear() {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
    /** Writes a message above the bar. */
    note(message) {
      this.clear();
      stream.write(`${message}\n`);
    },
    stop() {
      clearInterval(timer);
      this.clear();
    },
  };
}

const table = (counts) => Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
const byCode = (counts) => (sum(counts) === 0 ? "" : ` (${table(counts).map(([code, count]) => `${code} ${n(count)}`).join(", ")})`);

/** The end-of-run summary as text, for a person. */
export function summaryText(summary) {
  const lines = [];
  const title = {
    complete: summary.dryRun ? "Dry run complete" : "Backfill complete",
    pending: "Backfill finished with events still pending",
    interrupted: "Backfill interrupted",
    stopped: "Backfill stopped",
  }[summary.status];
  lines.push(`${title} after ${formatDuration(summary.seconds)}${summary.dryRun ? " (nothing was sent)" : ""}.`);
  if (summary.stopReason) lines.push(`  ${summary.stopReason}`);
  const rows = [
    ["files", `${n(summary.files)}${summary.unreadable.length ? ` (${summary.unreadable.length} could not be read to the end)` : ""}, ${formatBytes(summary.bytesRead)} read`],
    ["lines", `${n(summary.lines)}${summary.blankLines ? ` (${n(summary.blankLines)} blank)` : ""}${summary.alreadyDone ? `, ${n(summary.alreadyDone)} already done by the checkpoint` : ""}`],
    ["events", n(summary.events)],
  ];
  if (!summary.dryRun) {
    rows.push(["requests", `${n(summary.requests)} (${n(summary.retries)} of them retries)`]);
    rows.push(["delivered", n(summary.delivered)]);
  }
  rows.push(["rejected", `${n(sum(summary.rejected))}${byCode(summary.rejected)}`]);
  rows.push(["skipped", `${n(sum(summary.skipped))}${byCode(summary.skipped)}`]);
  if (!summary.dryRun) {
    rows.push(["pending", n(summary.pending.count)]);
    if (summary.notSent) rows.push(["not sent", `${n(summary.notSent)} (the run stopped before sending them)`]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) lines.push(`  ${label.padEnd(width)}  ${value}`);
  if (summary.dryRun) {
    const would = summary.wouldSend;
    lines.push(`  would send ${n(would.events)} events as ${n(would.commands)} commands in ${n(would.requests)} requests`);
    lines.push("  by Segment type (events → commands):");
    for (const [type, { events, commands }] of Object.entries(would.bySegmentType).sort((a, b) => b[1].events - a[1].events)) {
      lines.push(`    ${type.padEnd(12)} ${n(events).padStart(9)} → ${n(commands)}`);
    }
    lines.push("  by Bloomreach command (event_type, or customers for customer updates):");
    for (const [type, count] of table(would.byBloomreachType)) lines.push(`    ${type.padEnd(24)} ${n(count).padStart(9)}`);
  }
  for (const problem of summary.unreadable) lines.push(`  could not read ${problem.file} after line ${n(problem.line)}: ${problem.message}`);
  if (summary.pending.count > 0) {
    lines.push("  pending after retries:");
    for (const p of summary.pending.events.slice(0, 20)) {
      lines.push(`    ${p.file}:${p.line}${p.messageId ? ` (messageId ${JSON.stringify(p.messageId)})` : ""}: ${p.message}`);
    }
    if (summary.pending.count > 20) lines.push(`    and ${n(summary.pending.count - 20)} more`);
  }
  if (summary.rejectsFile && sum(summary.rejected) > 0) lines.push(`Rejected events are listed in ${summary.rejectsFile}.`);
  if (summary.checkpointFile && !summary.dryRun) {
    const rerun = summary.status === "complete" ? "" : " Run the same command again to resume.";
    lines.push(`Progress is recorded in ${summary.checkpointFile}.${rerun}`);
  } else if (!summary.dryRun && summary.status !== "complete") {
    lines.push("No --checkpoint was given: a rerun sends everything again.");
  }
  return lines.join("\n") + "\n";
}
