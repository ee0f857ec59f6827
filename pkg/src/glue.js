// Binds wasm-bindgen's bundler-target glue (bundler/segment_bloomreach_bg.js, which loads no file
// itself) to an instance of the wasm module, however the runtime lets the entry get hold of the
// module: compiled from the bytes inlined in the package (bundlers, browsers), or imported as a
// compiled `WebAssembly.Module` (Cloudflare Workers, Vercel's edge runtime).

/** The import object for `module`: every module it imports from is the glue. */
export function importsFor(module, glue) {
  const imports = {};
  for (const { module: name } of WebAssembly.Module.imports(module)) imports[name] = glue;
  return imports;
}

/** Hands `instance` to the glue and starts it; returns the glue, now the wasm module `createApi` takes. */
export function bindGlue(glue, instance) {
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  return glue;
}

/** The wasm inlined in bundler/segment_bloomreach_bg.wasm.js: gzip, then base64, which is as small over the wire as the .wasm file. */
export async function inflateBase64(text) {
  let bytes;
  if (typeof Uint8Array.fromBase64 === "function") {
    bytes = Uint8Array.fromBase64(text);
  } else {
    const binary = atob(text);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}
