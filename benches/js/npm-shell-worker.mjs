// The plain-JS Worker's shell (benches/js/worker.mjs) with the npm package's wasm as its mapping:
// what a Worker whose request handling is JavaScript, calling the Rust core once per request,
// costs (issue 24 item 2). Bindings as the plain-JS Worker's.
import * as wasm from "../../pkg/web/segment_bloomreach.js";
import module from "../../pkg/web/segment_bloomreach_bg.wasm";
import { createApi } from "../../pkg/src/api.js";
import { serveBatch } from "./worker.mjs";

wasm.initSync({ module });
const npm = createApi(wasm);

export default {
  fetch: (request, env) => serveBatch(request, env, async (request, settings) => npm.buildRequestsFromJson(await request.text(), settings)),
};
