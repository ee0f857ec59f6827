// The plain-JS Worker the Rust Worker is timed against: /v1/batch → benches/js/reference.mjs → concurrent
// fetches to Bloomreach → a summary. The same checks a hand-written Worker would make, no retries.
//
// Bindings: SETTINGS (the destination settings as JSON text, Segment catalog keys), SEGMENT_WRITE_KEY.
import { buildRequestsFromJson } from "./reference.mjs";

/** Serves /v1/batch with `await map(request, settings)` → `{requests, rejected, skipped}` as its mapping. */
export async function serveBatch(request, env, map) {
  const url = new URL(request.url);
  if (request.method !== "POST" || url.pathname !== "/v1/batch") return Response.json({ error: "not found" }, { status: 404 });
  if (request.headers.get("authorization") !== `Basic ${btoa(`${env.SEGMENT_WRITE_KEY}:`)}`) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  const settings = JSON.parse(env.SETTINGS);
  let result;
  try {
    result = await map(request, settings);
  } catch (error) {
    return Response.json({ error: { code: error.code ?? "invalid_body", message: error.message } }, { status: 400 });
  }
  const replies = await Promise.all(
    result.requests.map(async (r) => {
      const response = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
      const body = await response.json().catch(() => null);
      return { status: response.status, results: body?.results ?? [] };
    }),
  );
  const delivered = replies.reduce((n, r) => n + r.results.filter((x) => x.success).length, 0);
  const failed = replies.some((r) => r.status !== 200);
  return Response.json(
    { requests: replies.length, delivered, rejected: result.rejected, skipped: result.skipped },
    { status: failed ? 503 : 200 },
  );
}

export default {
  fetch: (request, env) => serveBatch(request, env, async (request, settings) => buildRequestsFromJson(await request.text(), settings)),
};
