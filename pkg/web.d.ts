// Types of segment-bloomreach/web: the browser build, which needs `await init()` once.
export * from "./index.js";

/** Loads the wasm (by default from next to this module). Call once before anything else. */
export default function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
