// The console's calls to the admin API: same-origin, the session cookie sent by the browser, JSON in
// and out. A 401 anywhere means the session ended: the page goes back to the sign-in form.

/** An admin API refusal: the HTTP status and the answer's `{error: {code, message, …}}`. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || `http_${status}`;
    this.detail = error || {};
  }
}

let onSignedOut = () => {};

/** What to do when an answer says the session is over. */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** `method path` with an optional JSON body; resolves to the answer's JSON (null for 204). */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json?.error);
    if (response.status === 401 && path !== "/admin/session") onSignedOut(error);
    throw error;
  }
  return json;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);

/** The sources the live configuration names (`default` for the variables-only deployment). */
export async function sourceNames() {
  const live = await get("/admin/config");
  const sources = live?.config?.sources;
  return Array.isArray(sources) && sources.length ? sources.map((s) => s.name) : ["default"];
}

/**
 * Fills `select` with the live configuration's sources and selects `wanted` if it is one (else
 * the first); resolves to the source selected.
 */
export async function chooseSource(select, wanted) {
  const names = await sourceNames();
  const source = wanted && names.includes(wanted) ? wanted : names[0];
  select.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    return option;
  }));
  select.value = source;
  return source;
}
