// The one program every runtime and bundler of the matrix runs against the installed package. Its
// source is pasted into each app (CommonJS, ES module, Worker, edge function, browser bundle), so it
// closes over nothing: everything it uses is inside the function or in `input` (the golden
// fixtures' events and settings, pasted as JSON beside it). It returns plain JSON-able data; the
// matrix compares each runtime's whole output with Node's.
export function program(pkg, input) {
  const settings = {
    apiKey: "public-key-123",
    projectToken: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    exponeaHardId: "registered",
    exponeaSoftId: "cookie",
    flattenNestedObjects: true,
    trackSessionPing: true,
  };
  // Text of every width, so bodies cross into wasm and back by each of the wrapper's paths (ASCII,
  // Latin-1, the rest of the BMP, astral characters; a lone surrogate further down).
  const texts = ["plain", "Café crème", "Zürich – 東京", "rocket 🚀 launch"];
  const types = ["page", "screen", "track", "identify", "alias", "group"];
  const events = [];
  for (let i = 0; i < 60; i++) {
    const text = texts[i % texts.length];
    events.push({
      type: types[i % types.length],
      messageId: `m-${i}`,
      userId: i % 3 === 0 ? undefined : `user-${i}`,
      anonymousId: `anon-${i % 7}`,
      previousId: `anon-${i % 5}`,
      groupId: i,
      name: text,
      event: `Event ${text}`,
      timestamp: new Date(Date.UTC(2024, 2, 4, 15, 32, 56, i * 7)),
      context: { page: { url: "https://example.com/" }, campaign: { name: text, source: "news" }, userAgent: "matrix/1.0" },
      properties: { text, amount: i * 1.25, nested: { deep: { value: i, list: [text, i, null, true] } } },
      traits: { plan: i % 2 ? "pro" : "free", address: { city: text } },
      integrations: i === 11 ? { "Bloomreach Engagement": false } : undefined,
    });
  }
  events.push({ type: "track", messageId: "no-identity", event: "Lost" });
  events.push({ type: "track", userId: 10n, event: "BigInt id" });
  events.push({ type: "track", userId: "u", event: "NaN time", timestamp: Number.NaN });
  events.push({ type: "track", userId: "u", event: "lone \ud800 surrogate" }); // JSON.stringify escapes it: serde_json refuses
  events.push("not an event");

  function attempt(call) {
    try {
      return { value: call() };
    } catch (error) {
      const caught = { name: error.name, message: error.message };
      // Whole errors, `line` and `column` included: only invalid_json may carry them (the package
      // removes the ones JavaScriptCore gives every Error, in Bun and Safari).
      for (const key of ["code", "problems", "index", "messageId", "line", "column"]) {
        if (error[key] !== undefined) caught[key] = error[key];
      }
      return { error: caught };
    }
  }

  const built = pkg.buildRequests(events, settings);
  // A body as text, with a raw lone surrogate in it (read as U+FFFD).
  const segmentBody = JSON.stringify({ batch: events.slice(0, 12), context: { library: { name: "matrix" } } }).replace("Café", "Caf\ud800");
  const first = built.requests[0];
  const commandIds = JSON.parse(first.body).commands.map((command) => command.command_id);
  const answer = JSON.stringify({
    success: true,
    results: commandIds.map((_, i) => (i === 1 ? { success: false, errors: ["At least one id should be specified."] } : { success: true })),
  });
  // A body over a million UTF-8 bytes' worth of room: where there is no Node Buffer, the wrapper
  // encodes such a body at its exact size instead of in place.
  const large = JSON.stringify({ batch: Array.from({ length: 1000 }, (_, i) => ({ ...events[i % 60], messageId: `large-${i}` })) });

  return {
    names: Object.keys(pkg).filter((name) => name !== "default" && name !== "__esModule").sort(),
    buildRequests: built,
    buildRequestsFromJson: attempt(() => pkg.buildRequestsFromJson(segmentBody, { ...settings, apiSecret: "secret-xyz" })),
    mapEvent: attempt(() => pkg.mapEvent(events[2], settings)),
    validateSettings: attempt(() => pkg.validateSettings({ ...settings, apiBaseUrl: "https://api.eu1.exponea.com" })),
    readResponse: {
      saved: attempt(() => pkg.readResponse(first, 200, answer)),
      throttled: attempt(() => pkg.readResponse(first, 429, "")),
    },
    large: attempt(() => pkg.buildRequestsFromJson(large, settings)),
    fixtures: {
      mapping: input.mapping.map(([fixtureSettings, event]) => attempt(() => pkg.mapEvent(event, fixtureSettings))),
      batch: input.batch.map(([fixtureSettings, batchEvents, body]) =>
        attempt(() => (batchEvents ? pkg.buildRequests(batchEvents, fixtureSettings) : pkg.buildRequestsFromJson(body, fixtureSettings))),
      ),
      settings: input.settings.map((candidate) => attempt(() => pkg.validateSettings(candidate))),
    },
    errors: {
      settings: attempt(() => pkg.validateSettings({ apiKey: "", projectToken: "not a token!", exponeaHardId: "x", exponeaSoftId: "x" })),
      json: attempt(() => pkg.buildRequestsFromJson('{"batch": [', settings)),
      body: attempt(() => pkg.buildRequests("not an array", settings)),
      event: attempt(() => pkg.mapEvent({ type: "track", event: "No one" }, settings)),
    },
  };
}
