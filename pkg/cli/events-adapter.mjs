// TEMPORARY, to be deleted once main's buildRequests gives each request its `events` (for each
// command of the body, in order, the index of the input event it came from).
//
// Until then it is derived from the command IDs: commands come in event order; an event's second
// command is its `<id>:session_ping`; a repeated ID within a request carries `#2`, `#3`…; the
// rejected and skipped events have no commands.

export function withEvents(result) {
  if (result.requests.every((request) => Array.isArray(request.events))) return result;
  const excluded = new Set([...result.rejected, ...result.skipped].map((issue) => issue.index));
  let next = 0;
  let current = -1;
  let currentId = null;
  for (const request of result.requests) {
    const { commands } = JSON.parse(request.body);
    request.events = commands.map((command) => {
      const id = command.command_id.replace(/#\d+$/, "");
      if (current >= 0 && id === `${currentId}:session_ping`) return current;
      while (excluded.has(next)) next += 1;
      current = next;
      currentId = id;
      next += 1;
      return current;
    });
  }
  return result;
}
