// The I/O floor: the plain-JS Worker (worker.mjs) with its mapping memoized, so a repeated body
// costs everything a Worker must do (read the request's bytes and authenticate it, send the same
// ceil(commands / 50) upstream requests, read the answers, reply) except the mapping, and except
// decoding the body to text, which the Rust Worker does not do either. A Worker that does the
// plain-JS Worker's I/O, in any language, takes at least this for the same body, so the plain-JS
// Worker's time over this Worker's is the most any mapping could gain on it. Bench use only: the memo is keyed by
// the body's length (hashing 300 KB per request would raise the floor), and the bench's bodies all
// differ in length.
import { buildRequestsFromJson } from "./reference.mjs";
import { serveBatch } from "./worker.mjs";

const mapped = new Map();
async function memoizedMapping(request, settings) {
  const bytes = await request.arrayBuffer();
  let result = mapped.get(bytes.byteLength);
  if (result === undefined) {
    result = buildRequestsFromJson(new TextDecoder().decode(bytes), settings);
    mapped.set(bytes.byteLength, result);
  }
  return result;
}

export default {
  fetch: (request, env) => serveBatch(request, env, memoizedMapping),
};
