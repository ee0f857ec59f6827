// The proposed wrapper for the wasm export `buildRequestsFramed` (src/npm.rs): request bodies come
// after the JSON envelope instead of escaped inside it, and are sliced out here. A drop-in for
// the wrapper's `buildRequestsFromJson`, to measure before pkg/src/api.js adopts it.

/** `wasm` is the wasm-bindgen module (pkg/node/segment_bloomreach.js). */
export function framedBuildRequestsFromJson(wasm, text, settings) {
  const out = wasm.buildRequestsFramed(text, JSON.stringify(settings), "[]");
  const newline = out.indexOf("\n");
  const result = JSON.parse(newline < 0 ? out : out.slice(0, newline));
  if (result.error) throw Object.assign(new Error(result.error.message), result.error);
  let at = newline + 1;
  for (const request of result.requests) {
    request.body = out.slice(at, (at += request.bodyLength));
    delete request.bodyLength;
  }
  return result;
}
