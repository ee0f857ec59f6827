// Reading a backfill input: a file or standard input, gzipped or not, as batches of lines, with
// the bytes read so far (for progress) and an identity taken from its first bytes (for the
// checkpoint). Memory stays bounded: one read chunk at a time, and a line longer than
// MAX_LINE_BYTES is reported as such without being held.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** How many first bytes identify an input in the checkpoint. */
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
function isGzip(name, head) {
  if (name.endsWith(".gz")) return true;
  return name === "-" && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Opens `name` ("-" for standard input). Returns `{ name, bytes, head, gzip, bytesRead(),
 * batches() }`: `bytes` is the size (null for standard input), `head` the SHA-256 of the
 * first HEAD_BYTES in hex, `batches()` an async iterator of arrays of lines (strings without
 * their line ending, or TooLongLine), the first batch starting at line 1.
 */
export async function openInput(name, { stdin = process.stdin } = {}) {
  const bytes = name === "-" ? null : (await stat(name)).size;
  const stream = name === "-" ? stdin : createReadStream(name, { highWaterMark: READ_CHUNK_BYTES });
  const chunks = stream[Symbol.asyncIterator]();
  const headChunks = [];
  let headSize = 0;
  while (headSize < HEAD_BYTES) {
    const { value, done } = await chunks.next();
    if (done) break;
    const chunk = typeof value === "string" ? Buffer.from(value) : value;
    headChunks.push(chunk);
    headSize += chunk.length;
  }
  const head = Buffer.concat(headChunks).subarray(0, HEAD_BYTES);
  const hash = createHash("sha256").update(head).digest("hex");
  let read = 0;
  async function* raw() {
    for (const chunk of headChunks.splice(0)) {
      read += chunk.length;
      yield chunk;
    }
    for (;;) {
      const { value, done } = await chunks.next();
      if (done) return;
      read += value.length;
      yield value;
    }
  }
  const gzip = isGzip(name, head);
  return {
    name,
    bytes,
    head: hash,
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
