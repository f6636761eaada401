/**
 * The wizard's steps in order. Only names, titles and paths: the handlers live in one folder
 * per step (server/steps/<name>/), and this list is what the progress bar and the
 * back/next buttons follow.
 */
export const STEP_ORDER = [
  { name: 'admin', title: 'Administrator' },
  { name: 'network', title: 'Name and network' },
  { name: 'enrollment', title: 'Enrollment' },
  { name: 'tls', title: 'Certificate' },
  { name: 'updates', title: 'Updates' },
  { name: 'review', title: 'Review' },
  { name: 'apply', title: 'Apply' },
] as const;

export type StepName = (typeof STEP_ORDER)[number]['name'];

export function stepPath(name: StepName): string {
  return `/${name}`;
}

export function neighbours(name: StepName): { previous: StepName | null; next: StepName | null } {
  const i = STEP_ORDER.findIndex((s) => s.name === name);
  return { previous: STEP_ORDER[i - 1]?.name ?? null, next: STEP_ORDER[i + 1]?.name ?? null };
}
