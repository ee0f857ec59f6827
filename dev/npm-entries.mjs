// Writes the npm package's entry files into a fresh build, for dev/build:
//
//   node dev/npm-entries.mjs <folder>
//
// <folder> holds wasm-bindgen's output per target (node/ from --target nodejs with api.cjs beside
// it, web/ from --target web, bundler/ from --target bundler); edge/ and index.d.cts are added.
// One entry per way a runtime can get hold of the wasm; every entry wraps it with createApi
// (pkg/src/api.js) and exports whatever createApi returns, by the names read here from the real
// build: a function added to createApi appears in every entry with no list to update. Which
// runtime takes which entry is package.json's `exports`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { join, resolve } from "node:path";

const out = resolve(process.argv[2] ?? "");
const pkg = resolve(import.meta.dirname, "../pkg");
const write = (file, text) => writeFileSync(join(out, file), text.trimStart());

// Node, CommonJS (also what Deno and Bun take, by the `node` condition). First: the names are read from it.
write("node/package.json", `{ "type": "commonjs" }\n`);
write("node/index.cjs", `
// Node, require(): the wasm is read and instantiated synchronously.
const { createApi } = require("./api.cjs");
module.exports = createApi(require("./segment_bloomreach.js"), { Buffer });
`);
const names = Object.keys(createRequire(import.meta.url)(join(out, "node/index.cjs")));
if (names.length === 0 || !names.every((name) => /^[A-Za-z_$][\w$]*$/.test(name))) {
  throw new Error(`createApi returned no usable names: ${JSON.stringify(names)}`);
}
const exportApi = `const api = createApi(${"$WASM"});\nexport const { ${names.join(", ")} } = api;\n`;
const entry = (wasm) => exportApi.replace("$WASM", wasm);

write("node/index.mjs", `
// Node, import: the wasm is read and instantiated synchronously.
import wasm from "./segment_bloomreach.js";
import { createApi } from "../src/api.js";

${entry("wasm, { Buffer }")}`);

// Cloudflare Workers (workerd, bundled by wrangler) and Vercel's edge runtime compile no wasm from
// bytes at run time; both bundlers turn an import of \`.wasm?module\` into a compiled module.
mkdirSync(join(out, "edge"), { recursive: true });
write("edge/index.js", `
// Cloudflare Workers (wrangler / workerd) and Vercel's edge runtime: the wasm is imported as a
// compiled WebAssembly.Module (\`?module\`, understood by both bundlers) and instantiated synchronously.
import module from "../web/segment_bloomreach_bg.wasm?module";
import * as glue from "../bundler/segment_bloomreach_bg.js";
import { bindGlue, importsFor } from "../src/glue.js";
import { createApi } from "../src/api.js";

${entry("bindGlue(glue, new WebAssembly.Instance(module, importsFor(module, glue)))")}`);

// Bundlers and everything else: the wasm inlined, so no bundler needs a rule for .wasm files. Gzip
// first: base64 of the bare module is a third larger even gzipped, base64 of its gzip is not.
const wasmBytes = readFileSync(join(out, "bundler/segment_bloomreach_bg.wasm"));
write("bundler/segment_bloomreach_bg.wasm.js", `
// The wasm module (the same as web/segment_bloomreach_bg.wasm), gzipped, as base64.
export default "${gzipSync(wasmBytes, { level: 9 }).toString("base64")}";
`);
rmSync(join(out, "bundler/segment_bloomreach_bg.wasm"));
rmSync(join(out, "bundler/segment_bloomreach.js")); // imports the .wasm as an ES module: no entry does
write("bundler/index.js", `
// Bundlers (esbuild, Vite, webpack 5, Rollup) and any runtime no other condition names: the wasm is
// inlined, so no bundler needs a rule for .wasm files, and unpacked and compiled with top-level
// await, as browsers compile no large module synchronously on the main thread.
import wasmGzipBase64 from "./segment_bloomreach_bg.wasm.js";
import * as glue from "./segment_bloomreach_bg.js";
import { bindGlue, importsFor, inflateBase64 } from "../src/glue.js";
import { createApi } from "../src/api.js";

const module = await WebAssembly.compile(await inflateBase64(wasmGzipBase64));
${entry("bindGlue(glue, await WebAssembly.instantiate(module, importsFor(module, glue)))")}`);

// Pages that load the files by hand (the preview): \`await init()\` once, then the API.
write("web/index.js", `
// Browsers without a bundler: \`await init()\` once, then call the API.
import initWasm, * as wasm from "./segment_bloomreach.js";
import { createApi } from "../src/api.js";

let api = null;

/** Loads the wasm (by default from next to this file). Safe to call more than once. */
export default async function init(input) {
  if (!api) {
    await initWasm(input === undefined ? undefined : { module_or_path: input });
    api = createApi(wasm);
  }
}

function ready() {
  if (!api) throw new Error("segment-bloomreach/web: call \`await init()\` before using the API");
  return api;
}

${names.map((name) => `export const ${name} = (...args) => ready().${name}(...args);`).join("\n")}
`);

// The types for require(): the same declarations, read as CommonJS (package.json's "type" is "module").
copyFileSync(join(pkg, "index.d.ts"), join(out, "index.d.cts"));

console.log(`entries: node (import, require), edge, bundler, web; exports: ${names.join(", ")}`);
