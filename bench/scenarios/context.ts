import type { Processes } from "../lib/procs";

/** What every scenario needs besides its server: the run's size and the process registry. */
export type RunContext = { quick: boolean; runs: number; procs: Processes };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
