// POST a Segment batch (or one event) here: it is mapped to Bloomreach batch requests and sent on.
import { buildRequestsFromJson, readResponse } from "segment-bloomreach";

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("POST a Segment batch\n", { status: 405 });
    const settings = {
      apiBaseUrl: env.BLOOMREACH_API_BASE_URL,
      apiKey: env.BLOOMREACH_API_KEY,
      projectToken: env.BLOOMREACH_PROJECT_TOKEN,
      exponeaHardId: "registered",
      exponeaSoftId: "cookie",
    };
    let mapped;
    try {
      mapped = buildRequestsFromJson(await request.text(), settings);
    } catch (error) {
      return Response.json({ error: { code: error.code, message: error.message } }, { status: 400 });
    }
    const outcomes = [];
    for (const bloomreach of mapped.requests) {
      const answer = await fetch(bloomreach.url, { method: bloomreach.method, headers: bloomreach.headers, body: bloomreach.body });
      outcomes.push(...readResponse(bloomreach, answer.status, await answer.text()));
    }
    const retry = outcomes.some((o) => o.outcome === "retry");
    return Response.json({ outcomes, rejected: mapped.rejected, skipped: mapped.skipped }, { status: retry ? 503 : 200 });
  },
};
