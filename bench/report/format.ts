// What every table of the report shares: ratios, medians with their spread, Markdown tables.
import type { Compression } from "../lib/results";
import { fmt, type Summary, summarise } from "../lib/stats";

export const ratio = (ours: number, theirs: number | undefined) =>
  theirs !== undefined && Number.isFinite(ours / theirs) ? `${fmt(ours / theirs, 2)}×` : "–";

export const spread = (s: Summary, digits = 0) =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

/** Round-by-round ratios (ours[k] ÷ theirs[k]): median and min–max, e.g. `0.91× (0.85–0.97)`. */
export function ratioSpread(ours: number[], theirs: number[] | undefined): string {
  if (!theirs?.length) return "–";
  const ratios = ours.map((x, k) => x / (theirs[k] ?? Number.NaN)).filter(Number.isFinite);
  if (!ratios.length) return "–";
  const s = summarise(ratios);
  return ratios.length === 1
    ? `${fmt(s.median, 2)}×`
    : `${fmt(s.median, 2)}× (${fmt(s.min, 2)}–${fmt(s.max, 2)})`;
}

export const deflate = (c: Compression) => (c.deflate ? `offered (${c.negotiated}/${c.connections})` : "off");

export const table = (head: string[], rows: string[][]) => [
  `| ${head.join(" | ")} |`,
  `|${head.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
];
