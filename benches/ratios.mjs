// Reads criterion's results (target/criterion) and prints the mapping / floor table for benches/README.md.
//   cargo bench --bench mapping -- --warm-up-time 1 --measurement-time 3 && node benches/ratios.mjs
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const criterion = join(dirname(fileURLToPath(import.meta.url)), "..", "target", "criterion");
const estimate = (...parts) => {
  const file = join(criterion, ...parts, "new", "estimates.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).median.point_estimate / 1000 : undefined; // µs
};
const fmt = (us) => (us === undefined ? "–" : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}×`);

if (!existsSync(criterion)) {
  console.error("no target/criterion: run `cargo bench --bench mapping` first");
  process.exit(2);
}
console.log("| benchmark | floor (parse + serialize) | mapping | mapping / floor | with flattening | / floor |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const group of readdirSync(criterion).sort()) {
  // Criterion names group directories after "event/typical" as "event_typical".
  for (const sub of existsSync(join(criterion, group, "floor")) ? readdirSync(join(criterion, group, "floor")).sort() : []) {
    if (sub === "report") continue;
    const floor = estimate(group, "floor", sub);
    const mapping = estimate(group, "mapping", sub);
    const flatten = estimate(group, "mapping_flatten", sub);
    console.log(`| ${group.replace("_", " ")} ${sub} | ${fmt(floor)} | ${fmt(mapping)} | ${ratio(mapping, floor)} | ${fmt(flatten)} | ${ratio(flatten, floor)} |`);
  }
}
