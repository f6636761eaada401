/** One line of `npm run bench`: a figure, and the same figure for a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The baseline's figure, in the same unit, measured in the same run on the same machine. */
  baseline?: number;
  baselineName?: string;
  /** The target, in words, e.g. ">= 10000" or "ratio <= 1.5". */
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  ok?: boolean;
}
