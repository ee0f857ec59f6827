// CPU time of the workerd process Miniflare started (Linux): the sum of its threads' time on a
// CPU, from /proc/<pid>/task/*/schedstat, in nanoseconds. Read before and after a request, it gives
// the CPU that request cost in workerd — what Cloudflare bills a Worker for — without the
// loopback HTTP hops and Node's own work that a wall-clock time includes.
import { readdirSync, readFileSync } from "node:fs";

/** The pid of the workerd child of this Node process (Miniflare starts exactly one). */
export function workerdPid() {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error("no workerd child process found (Linux only: it reads /proc)");
}

/** Nanoseconds the process `pid` has spent on a CPU so far, all threads. */
export function cpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended has nothing more to add.
    }
  }
  return total;
}
