// The config command's file and diff on their own: comments found again by name when pull rewrites the file, what has no place any more dropped and counted, baseVersion rewritten alone, changes grouped source by source.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { configText, withBaseVersion } from "../../pkg/cli/config-file.mjs";
import { changesText, configChanges } from "../../pkg/cli/config-diff.mjs";

const OLD = `# top of the file

baseVersion = 2

[[sources]]
# the app
name = "app"
destination = "eu"

[[sources]]
name = "web" # the website
destination = "eu"

[sources.settings]
trackSessionPing = true # pings on

[[sources.settings.mappings]]
name = "gone"
# this rule is removed
eventType = "x"

[[sources.settings.mappings]]
name = "signup" # kept by name
eventType = "registration"

# the end
`;

test("pull keeps each comment by the name of its source and rule, whatever moved; what lost its place is counted", () => {
  const live = {
    sources: [
      { name: "web", destination: "us", settings: { trackSessionPing: false, mappings: [{ name: "signup", eventType: "signup_v2" }] } },
      { name: "app", destination: "eu" },
    ],
  };
  const { text, dropped } = configText(live, 5, OLD);
  assert.equal(text, `# top of the file

baseVersion = 5

[[sources]]
name = "web" # the website
destination = "us"

[sources.settings]
trackSessionPing = false # pings on

[[sources.settings.mappings]]
name = "signup" # kept by name
eventType = "signup_v2"

[[sources]]
# the app
name = "app"
destination = "eu"

# the end
`);
  assert.equal(dropped, 1, "the comment above the removed rule's eventType");
  assert.deepEqual(JSON.parse(JSON.stringify(parse(text))), { baseVersion: 5, ...live });
});

test("a new file gets a header saying what it is; null, which TOML cannot hold, is refused with its path", () => {
  const { text } = configText({ destinations: [{ name: "eu", projectToken: "p", apiKeySecret: "K" }] }, 0, null);
  assert.equal(text, `# The configuration of a segment-bloomreach Worker: its destinations (Bloomreach projects) and
# sources. \`segment-bloomreach config --help\` tells how to validate, diff, push and pull it.
# baseVersion is the live version this file was pulled from: push refuses if it is not live any more.
baseVersion = 0

[[destinations]]
name = "eu"
projectToken = "p"
apiKeySecret = "K"
`);
  assert.deepEqual(configText({ sources: [{ name: "a", settings: { mappings: [{ properties: { x: null } }] } }] }, 1, null), {
    problem: "the configuration holds null at sources[0].settings.mappings[0].properties.x, which TOML cannot write",
  });
});

test("push rewrites only the baseVersion line", () => {
  assert.equal(withBaseVersion(OLD, 7), OLD.replace("baseVersion = 2", "baseVersion = 7"));
  assert.equal(withBaseVersion('name = "x"\n', 3), 'baseVersion = 3\nname = "x"\n');
});

test("diff matches sources and write keys by name, compares rules whole, and groups by source", () => {
  const before = {
    destinations: [{ name: "eu", projectToken: "a" }],
    sources: [
      { name: "web", writeKeys: [{ label: "prod", kind: "browser" }], settings: { mappings: [{ name: "r", eventType: "x" }] } },
      { name: "old", destination: "eu" },
    ],
  };
  const after = {
    destinations: [{ name: "eu", projectToken: "a" }],
    sources: [
      { name: "new", destination: "eu" },
      { name: "web", writeKeys: [{ label: "prod", kind: "server" }], settings: { mappings: [{ name: "r", eventType: "y" }] } },
    ],
  };
  const changes = configChanges(before, after);
  assert.deepEqual(changes, [
    { path: "sources.web.writeKeys.prod.kind", change: "changed", before: "browser", after: "server" },
    { path: "sources.web.settings.mappings", change: "changed", before: [{ name: "r", eventType: "x" }], after: [{ name: "r", eventType: "y" }] },
    { path: "sources.old", change: "removed", before: { destination: "eu" } },
    { path: "sources.new", change: "added", after: { destination: "eu" } },
  ]);
  assert.equal(changesText(changes), `source web
  ~ writeKeys.prod.kind: "browser" → "server"
  ~ settings.mappings: [{"name":"r","eventType":"x"}] → [{"name":"r","eventType":"y"}]
source old (removed)
  - {"destination":"eu"}
source new (added)
  + {"destination":"eu"}`);
  assert.deepEqual(configChanges(after, structuredClone(after)), []);
});
