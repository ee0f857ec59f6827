// Compiled by tsc as CommonJS (node16 resolution: the `require` condition, index.d.cts).
import { buildRequests, mapEvent, readResponse, validateSettings } from "segment-bloomreach";
import type { BuildResult, Command, MappingError, Settings } from "segment-bloomreach";
import { validateConfig } from "segment-bloomreach/config";
import type { DeploymentConfig } from "segment-bloomreach/config";

const settings: Settings = { apiKey: "k", projectToken: "p", exponeaHardId: "registered", exponeaSoftId: "cookie" };
const commands: Command[] = mapEvent({ type: "page", anonymousId: "a", name: "Home" }, settings);
const result: BuildResult = buildRequests([{ type: "identify", userId: "u", traits: {} }], settings);
const outcomes = result.requests.map((request) => readResponse(request, 200, "{}"));
try {
  validateSettings({});
} catch (e) {
  const code: string = (e as MappingError).code;
  void code;
}
const stored: DeploymentConfig = validateConfig({ destinations: [], sources: [] });
void commands, outcomes, stored;
