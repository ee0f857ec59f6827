#!/usr/bin/env node
// The package's command line: `segment-bloomreach backfill [options] FILE...` and `segment-bloomreach config <command>` (see --help).

import { backfill, EXIT } from "./backfill.mjs";
import { config } from "./config.mjs";

const HELP = `Usage: segment-bloomreach <command> [options]

Commands:
  backfill [options] FILE...   send a Segment data export (JSON Lines, .gz or not) to Bloomreach Engagement
  config <command> [options]   a Worker's configuration in a TOML file: validate, diff, push, pull,
                               history, rollback, import-env

Run \`segment-bloomreach backfill --help\` or \`segment-bloomreach config --help\` for options and examples.
`;

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === "config") {
    return config(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  }
  if (command !== "backfill") {
    process.stderr.write(`segment-bloomreach: unknown command "${command}"\n\n${HELP}`);
    return EXIT.USAGE;
  }
  return backfill(rest, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signals: process,
    exit: (code) => process.exit(code),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    // A bug, not a user mistake: say so plainly, with the stack for a report.
    process.stderr.write(`segment-bloomreach: internal error: ${error?.stack ?? error}\n`);
    process.exit(EXIT.INCOMPLETE);
  },
);
