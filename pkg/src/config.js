// The `segment-bloomreach/config` wrapper (Node only) over its own wasm (crates/config-wasm): a configuration document validated offline, errors thrown as the main API's are.
import { mappingError, unwrap } from "./api.js";

/** Builds `validateConfig` from the config wasm's wasm-bindgen module (`--target nodejs`). */
export function createConfigApi(wasm) {
  /**
   * A configuration document (sources and destinations) as the Worker would store it, or a
   * `config_invalid` error with every problem at its path. Write keys given as `key` stay as given:
   * only the Worker stores their digests, so no hashing happens here.
   */
  function validateConfig(config) {
    let text;
    try {
      text = JSON.stringify(config === undefined ? null : config);
    } catch (cause) {
      throw mappingError({ code: "config_invalid", message: `invalid configuration: it cannot be turned into JSON (${cause.message})` });
    }
    return unwrap(wasm.validateConfigJson(text)).config;
  }

  return { validateConfig };
}
