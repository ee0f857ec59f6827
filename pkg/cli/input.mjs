// Reading a backfill input: a file or standard input, gzipped or not, as batches of lines, with
// the bytes read so far (for progress) and an identity taken from its whole content (for the
// checkpoint). Memory stays bounded: one read chunk at a time, and a line longer than
// MAX_LINE_BYTES is reported as such without being held.

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

/** How many first bytes the checkpoint keeps a hash of, to say when an input starts like another. */
export const HEAD_BYTES = 1 << 20;
/** Segment events are at most 32 KB; a line far longer is not held in memory. */
export const MAX_LINE_BYTES = 1 << 20;
/** Small enough that the bytes read ahead of the lines handed out barely skew the progress shown. */
const READ_CHUNK_BYTES = 64 * 1024;

/** A line over MAX_LINE_BYTES, in place of its text. */
export class TooLongLine {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

/** Whether the name says gzip, or (standard input) the first bytes do. */
function isGzip(name, first) {
  if (name.endsWith(".gz")) return true;
  return name === "-" && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
}

/** Hashes bytes as they pass: the SHA-256 of all of them and of the first HEAD_BYTES, and their count. */
function contentHasher() {
  const whole = createHash("sha256");
  const head = createHash("sha256");
  let bytes = 0;
  return {
    update(chunk) {
      whole.update(chunk);
      if (bytes < HEAD_BYTES) head.update(chunk.subarray(0, HEAD_BYTES - bytes));
      bytes += chunk.length;
    },
    identity: () => ({ bytes, sha256: whole.digest("hex"), head: head.digest("hex") }),
  };
}

/**
 * What identifies a file's content: `{ bytes, sha256, head }`, its size, the SHA-256 of all of it
 * and of its first HEAD_BYTES. Reads the whole file (stopped by `signal`).
 */
export async function identify(path, { signal } = {}) {
  const hasher = contentHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, signal })) hasher.update(chunk);
  return hasher.identity();
}

/**
 * Copies `stdin` to the file `path` (created, readable by its owner only) and returns its
 * identity, as `identify` would: standard input has no size, so it is known only once read.
 */
async function spool(stdin, path, signal) {
  const hasher = contentHasher();
  async function* hashed(source) {
    for await (const chunk of source) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      hasher.update(bytes);
      yield bytes;
    }
  }
  try {
    await pipeline(stdin, hashed, createWriteStream(path, { mode: 0o600 }), { signal });
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
  return hasher.identity();
}

/**
 * Opens `name` ("-" for standard input). Returns `{ name, bytes, sha256, head, gzip, bytesRead(),
 * batches(), close() }`: `bytes`, `sha256` and `head` identify the content (`identify`), and are
 * null for standard input unless `spoolTo` is given: then standard input is first read to its end
 * into that file (removed on close), so it is identified as a file is and never taken for another
 * input before it has been read. `batches()` is an async iterator of arrays of lines (strings
 * without their line ending, or TooLongLine), the first batch starting at line 1. `signal` stops
 * the identifying read.
 */
export async function openInput(name, { stdin = process.stdin, spoolTo, signal } = {}) {
  let identity = { bytes: null, sha256: null, head: null };
  let path = name;
  let spooled = null;
  if (name === "-" && spoolTo !== undefined) {
    identity = await spool(stdin, spoolTo, signal);
    path = spooled = spoolTo;
  } else if (name !== "-") {
    identity = await identify(name, { signal });
  }
  const stream = path === "-" ? stdin : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const chunks = stream[Symbol.asyncIterator]();
  const first = await chunks.next();
  const firstChunk = first.done ? Buffer.alloc(0) : typeof first.value === "string" ? Buffer.from(first.value) : first.value;
  let read = 0;
  async function* raw() {
    if (firstChunk.length > 0) {
      read += firstChunk.length;
      yield firstChunk;
    }
    if (first.done) return;
    for (;;) {
      const { value, done } = await chunks.next();
      if (done) return;
      read += value.length;
      yield value;
    }
  }
  const gzip = isGzip(name, firstChunk);
  return {
    name,
    ...identity,
    gzip,
    bytesRead: () => read,
    batches() {
      const source = Readable.from(raw(), { objectMode: false });
      if (!gzip) return lineBatches(source);
      const gunzip = createGunzip({ chunkSize: 4 * READ_CHUNK_BYTES });
      source.on("error", (error) => gunzip.destroy(error));
      source.pipe(gunzip);
      return lineBatches(gunzip);
    },
    /** Stops reading; standard input too when `force` (it may be waiting for a writer). */
    close(force = false) {
      if (stream !== stdin || force) stream.destroy();
      if (spooled !== null) rmSync(spooled, { force: true });
    },
  };
}

/**
 * Splits a byte stream into lines, yielding one array of lines per chunk read. `\r\n` endings and
 * a UTF-8 byte order mark are dropped. A last line without a newline is yielded at the end of the
 * stream, and not when the stream fails (it may be cut short).
 */
export async function* lineBatches(stream) {
  let pending = []; // pieces of a line begun in an earlier chunk
  let pendingBytes = 0;
  let tooLong = false;
  let first = true;
  const text = (buffers, size) => {
    if (tooLong) return new TooLongLine(size);
    const buffer = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers, size);
    let end = buffer.length;
    if (end > 0 && buffer[end - 1] === 0x0d) end -= 1;
    let line = buffer.toString("utf8", 0, end);
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    return line;
  };
  for await (const chunk of stream) {
    const lines = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0) break;
      if (pendingBytes === 0 && !tooLong) {
        let end = newline;
        if (end > start && chunk[end - 1] === 0x0d) end -= 1;
        let line = chunk.toString("utf8", start, end);
        if (first) {
          first = false;
          if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
        }
        lines.push(newline - start > MAX_LINE_BYTES ? new TooLongLine(newline - start) : line);
      } else {
        const size = pendingBytes + newline - start;
        if (!tooLong && size <= MAX_LINE_BYTES) pending.push(chunk.subarray(start, newline));
        else tooLong = true;
        lines.push(text(pending, size));
        pending = [];
        pendingBytes = 0;
        tooLong = false;
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      const size = pendingBytes + chunk.length - start;
      if (tooLong || size > MAX_LINE_BYTES) {
        tooLong = true;
        pending = [];
      } else {
        // A copy: the stream may reuse its chunk's memory.
        pending.push(Buffer.from(chunk.subarray(start)));
      }
      pendingBytes = size;
    }
    if (lines.length > 0) yield lines;
  }
  if (pendingBytes > 0) yield [text(pending, pendingBytes)];
}
