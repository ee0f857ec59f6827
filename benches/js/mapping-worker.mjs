// A Worker that only maps, for benches/workerd-mapping.mjs: PUT /<name> keeps the body as the text
// named <name>; POST {name, contender, calls} maps that text `calls` times with one contender (the
// npm package's wasm through its browser build, the plain-JS mapping, or JSON.parse +
// JSON.stringify) and answers the number of requests built.
import * as wasm from "../../pkg/web/segment_bloomreach.js";
import module from "../../pkg/web/segment_bloomreach_bg.wasm";
import { createApi } from "../../pkg/src/api.js";
import * as reference from "./reference.mjs";

wasm.initSync({ module });
const npm = createApi(wasm);

const CONTENDERS = {
  floor: (text) => JSON.stringify(JSON.parse(text)).length,
  plain: (text, settings) => reference.buildRequestsFromJson(text, settings).requests.length,
  npm: (text, settings) => npm.buildRequestsFromJson(text, settings).requests.length,
};

const texts = new Map();

export default {
  async fetch(request) {
    if (request.method === "PUT") {
      texts.set(new URL(request.url).pathname.slice(1), await request.text());
      return new Response("kept");
    }
    const { name, settings, contender, calls } = await request.json();
    const text = texts.get(name);
    let total = 0;
    for (let i = 0; i < calls; i++) total += CONTENDERS[contender](text, settings);
    return new Response(String(total));
  },
};
