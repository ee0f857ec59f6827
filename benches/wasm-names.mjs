// Names the wasm functions of a V8 CPU profile of the Rust Worker: `wasm-function[N]` is function
// N of build/index_bg.wasm, whose names dev/build strips; it keeps a named copy in
// target/worker/index_bg.named.wasm, with the same functions in the same order.
//
//   node benches/wasm-names.mjs 285 1468        # the names of functions 285 and 1468
//   node benches/wasm-names.mjs --profile=FILE  # a saved profile's self time, wasm named (ms)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { profile: { type: "string" }, wasm: { type: "string", default: "target/worker/index_bg.named.wasm" }, top: { type: "string", default: "30" } } });

/** Function index → name, from the wasm's `name` custom section (subsection 1). */
function functionNames(bytes) {
  let at = 8;
  const leb = () => {
    let result = 0, shift = 0, byte;
    do {
      byte = bytes[at++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const names = new Map();
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const nameLength = leb();
      const section = new TextDecoder().decode(bytes.subarray(at, at + nameLength));
      at += nameLength;
      if (section === "name") {
        while (at < end) {
          const sub = bytes[at++];
          const subSize = leb();
          const subEnd = at + subSize;
          if (sub === 1) {
            for (let count = leb(); count > 0; count--) {
              const index = leb();
              const length = leb();
              names.set(index, new TextDecoder().decode(bytes.subarray(at, at + length)));
              at += length;
            }
          }
          at = subEnd;
        }
      }
    }
    at = end;
  }
  return names;
}

const names = functionNames(readFileSync(values.wasm));
const named = (label) => label.replace(/wasm-function\[(\d+)\]/, (_, n) => names.get(Number(n)) ?? `wasm-function[${n}]`);
if (values.profile) {
  const profile = JSON.parse(readFileSync(values.profile, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]).callFrame;
    const key = named(frame.functionName || "(anonymous)");
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(ms.toFixed(1).padStart(8), name);
} else {
  for (const n of positionals) console.log(n, names.get(Number(n)) ?? "(no name)");
}
