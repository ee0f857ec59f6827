// The backfill's checkpoint: for each input file (known by its size and a hash of its whole
// content, not its path), the line numbers that are done, as ranges, so a rerun skips them.
// Written atomically (temp file + rename).
//
// A line is done when nothing more will be sent for it: every command of its event was delivered
// or rejected for good, or it was rejected or skipped by the mapping, or it was blank or not JSON.
// The ranges stay few however big the file: lines finish roughly in order, so the first range
// grows (the high-water mark) and only the lines still in flight or pending after retries leave
// gaps above it.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";

export const FORMAT = "segment-bloomreach-backfill-checkpoint";
/** 2: inputs known by the hash of their whole content (version 1 hashed their first MB only). */
export const VERSION = 2;

/** A set of positive integers held as sorted, disjoint, non-adjacent inclusive ranges [first, last]. */
export class RangeSet {
  constructor(ranges = []) {
    this.ranges = [];
    for (const [first, last] of ranges) this.addRange(first, last);
  }

  /** The index of the first range that starts after `n`. */
  #after(n) {
    const ranges = this.ranges;
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid][0] <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(n) {
    const i = this.#after(n);
    return i > 0 && this.ranges[i - 1][1] >= n;
  }

  add(n) {
    this.addRange(n, n);
  }

  addRange(first, last) {
    const ranges = this.ranges;
    const tail = ranges[ranges.length - 1];
    // The common case, lines finishing in order: the last range grows.
    if (tail !== undefined && first >= tail[0] && first <= tail[1] + 1) {
      if (last > tail[1]) tail[1] = last;
      return;
    }
    let i = this.#after(first);
    // Merge with the range before when it overlaps or touches, and with every range after it covers.
    if (i > 0 && ranges[i - 1][1] >= first - 1) {
      i -= 1;
      first = ranges[i][0];
      last = Math.max(last, ranges[i][1]);
    }
    let j = i;
    while (j < ranges.length && ranges[j][0] <= last + 1) {
      last = Math.max(last, ranges[j][1]);
      j += 1;
    }
    ranges.splice(i, j - i, [first, last]);
  }

  /** How many numbers the set holds. */
  get size() {
    let n = 0;
    for (const [first, last] of this.ranges) n += last - first + 1;
    return n;
  }

  /** Every number from 1 to `n` is in the set. */
  coversThrough(n) {
    return n === 0 || (this.ranges.length > 0 && this.ranges[0][0] === 1 && this.ranges[0][1] >= n);
  }

  toJSON() {
    return this.ranges.map(([first, last]) => [first, last]);
  }
}

/**
 * What a checkpoint file holds: the project it was written for, and per file its identity
 * (`bytes`: its size, `sha256`: the SHA-256 of its whole content; `head`, the SHA-256 of its first
 * MB, only says when an input starts like another), its done lines, the number of lines once read
 * to the end, and `partial`: for an event of several commands that is not done but some of whose
 * commands were delivered, which of its commands (by position in the event's mapping) not to
 * send again.
 */
export class Checkpoint {
  constructor(path, project) {
    this.path = path;
    this.project = project;
    this.files = [];
    this.existed = false;
  }

  /**
   * Reads the checkpoint at `path` (none yet is fine). Returns `{ checkpoint }` or `{ problem }`:
   * a file that is not a checkpoint, or one written for another project, is a usage error.
   */
  static load(path, project) {
    const checkpoint = new Checkpoint(path, project);
    if (path === undefined) return { checkpoint };
    let text;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if (error.code === "ENOENT") return { checkpoint };
      return { problem: `--checkpoint ${path}: cannot be read (${error.code ?? error.message})` };
    }
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      return { problem: `--checkpoint ${path}: is not a backfill checkpoint (not JSON)` };
    }
    if (data?.format === FORMAT && data.version === 1) {
      return {
        problem: `--checkpoint ${path}: was written by an earlier version, which recognised an input by its first MB only ` +
          "and could skip a different input as done; finish that backfill with the version that started it, or use a new checkpoint file",
      };
    }
    if (data?.format !== FORMAT || data.version !== VERSION || !Array.isArray(data.files)) {
      return { problem: `--checkpoint ${path}: is not a backfill checkpoint of version ${VERSION}` };
    }
    const was = data.project ?? {};
    if (project && (was.apiBaseUrl !== project.apiBaseUrl || was.projectToken !== project.projectToken)) {
      return {
        problem: `--checkpoint ${path}: was written for project ${was.projectToken} at ${was.apiBaseUrl}, ` +
          `not for the settings' project ${project.projectToken} at ${project.apiBaseUrl}; use another checkpoint file`,
      };
    }
    for (const file of data.files) {
      if (typeof file?.sha256 !== "string" || !Number.isSafeInteger(file.bytes) || typeof file.head !== "string" ||
        !Array.isArray(file.done) || !file.done.every(isRange)) {
        return { problem: `--checkpoint ${path}: a file entry is damaged; use another checkpoint file` };
      }
      const partial = new Map();
      for (const item of file.partial ?? []) {
        if (!Array.isArray(item) || !Number.isSafeInteger(item[0]) || !Array.isArray(item[1]) || !item[1].every(Number.isSafeInteger)) {
          return { problem: `--checkpoint ${path}: a file entry is damaged; use another checkpoint file` };
        }
        partial.set(item[0], new Set(item[1]));
      }
      checkpoint.files.push({ name: file.name, bytes: file.bytes, sha256: file.sha256, head: file.head, lines: file.lines ?? null, done: new RangeSet(file.done), partial });
    }
    checkpoint.existed = true;
    return { checkpoint };
  }

  /**
   * The entry for an input with this identity (`identify` in input.mjs), made when there is none:
   * the same size and the same SHA-256 of the whole content. An input not yet identified
   * (`sha256` null: standard input read as it comes) always gets a new entry, and is kept out of
   * the saved checkpoint. `note` says when the input starts like an entry (the same first MB) but
   * is another: a cumulative export, or a file that changed.
   */
  entryFor({ name, bytes, sha256, head }) {
    const match = sha256 === null ? undefined : this.files.find((file) => file.sha256 === sha256 && file.bytes === bytes);
    if (match) return { entry: match, note: null };
    const entry = { name, bytes, sha256, head, lines: null, done: new RangeSet(), partial: new Map() };
    this.files.push(entry);
    const alike = head === null ? undefined : this.files.find((file) => file !== entry && file.head === head);
    const note = alike
      ? `${name} starts like ${alike.name} in the checkpoint but its content differs (${alike.bytes} → ${bytes} bytes): ` +
        "it is read as a new input, and lines they share are sent again"
      : null;
    return { entry, note };
  }

  toJSON() {
    return {
      format: FORMAT,
      version: VERSION,
      project: this.project,
      updatedAt: new Date().toISOString(),
      files: this.files.filter((file) => file.sha256 !== null).map(({ name, bytes, sha256, head, lines, done, partial }) => ({
        name,
        bytes,
        sha256,
        head,
        lines,
        done,
        ...(partial.size > 0 ? { partial: [...partial].map(([line, ordinals]) => [line, [...ordinals]]) } : {}),
      })),
    };
  }

  /** Writes the checkpoint atomically: a temp file beside it, flushed to disk, renamed over it. */
  save() {
    if (this.path === undefined) return;
    const temp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(temp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(this.toJSON()) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }
}

function isRange(range) {
  return Array.isArray(range) && range.length === 2 && Number.isSafeInteger(range[0]) && Number.isSafeInteger(range[1]) &&
    range[0] >= 1 && range[1] >= range[0];
}

/**
 * Takes `${path}.lock` for this process, so two backfills never share a checkpoint (each would
 * send what the other is sending). A lock left by a process that is gone is taken over.
 * Returns a release function, or `{ problem }`.
 */
export function lockCheckpoint(path) {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release() {
          try {
            unlinkSync(lock);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if (error.code !== "EEXIST") return { problem: `--checkpoint ${path}: cannot create ${lock} (${error.code ?? error.message})` };
      const pid = Number.parseInt(safeRead(lock), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        return { problem: `--checkpoint ${path}: another backfill (process ${pid}) is using it; wait for it or stop it first` };
      }
      try {
        unlinkSync(lock); // left by a process that is gone
      } catch {
        // raced with another process: try again
      }
    }
  }
  return { problem: `--checkpoint ${path}: cannot take ${lock}` };
}

function safeRead(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
