// npm run bench:chart [-- <results.json> [<out.svg>]] — renders the chart of a run's JSON results
// (default: bench/results/LATEST.json → bench/results/LATEST.svg).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR } from "./lib/procs";
import type { Results } from "./lib/results";
import { chart } from "./report/chart";

const input = process.argv[2] ?? path.join(BENCH_DIR, "results", "LATEST.json");
const output = process.argv[3] ?? input.replace(/\.json$/, ".svg");
const results = JSON.parse(readFileSync(input, "utf8")) as Results;
writeFileSync(output, chart(results));
console.log(`wrote ${output}`);
