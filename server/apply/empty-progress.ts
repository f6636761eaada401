/**
 * The progress of an apply before nix has reported anything. Apart from progress.ts (which reads
 * nix's output with zod) so that the published status, on serve's start path, loads no zod.
 */
import type { ApplyProgress } from './types.js';

export function emptyProgress(): ApplyProgress {
  return { activity: null, buildsDone: 0, buildsTotal: 0, pathsDone: 0, pathsTotal: 0, bytesDone: 0, bytesTotal: 0 };
}
