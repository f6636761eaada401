/**
 * Rollback and crash recovery (DESIGN.md "Activation"): the previous fragment, secrets and
 * generation come back after any failure, and after a crash the journal says where the apply
 * stopped, so that the next worker finishes it (an open confirm window on the same boot is
 * resumed; everything else is rolled back). Every step is idempotent: a crash during the
 * rollback is recovered by running it again.
 */
import { existsSync } from 'node:fs';
import { networkSection, type SiteConfig } from '../config/schema.js';
import { removeManaged, restoreFiles, sweepTemps, writeManaged } from './files.js';
import { readFragmentSite } from './fragment-value.js';
import type { JournalStep } from './journal.js';
import { confirmPhase, switchPhase } from './phases.js';
import { describeResult } from './rebuild.js';
import { finishReset } from './reset.js';
import { ApplyFailure, type ApplyRun, phaseOf } from './run.js';
import { removeTicket } from './spool.js';
import type { ApplyResult } from './types.js';

const STEP_ORDER: JournalStep[] = ['validate', 'backup', 'write', 'build', 'test', 'confirm', 'switch', 'health', 'rollback'];
const activated = (s: JournalStep) => STEP_ORDER.indexOf(s) >= STEP_ORDER.indexOf('test') && s !== 'rollback';

/**
 * Restores the previous fragment and secrets and re-activates the previous generation
 * (switching the profile back when `switch` got as far as changing it). Idempotent: the
 * recovery of a crash during rollback runs it again.
 */
export async function rollback(run: ApplyRun, from: JournalStep, reason: string): Promise<ApplyResult> {
  const { d, paths } = run;
  const j = run.state.apply!;
  const origin = j.rollback ?? { from, reason };
  run.note(`rolling back (${origin.from}): ${origin.reason}`);
  await run.step('rollback', { rollback: origin });
  run.crash('rollback:journaled');
  if (j.prev) {
    await sweepTemps(paths);
    await restoreFiles(paths, j.prev, run.crash);
    if (!j.prev.handedOff) await removeManaged(paths.handoffMarker, 'rollback:handoff', run.crash);
    // A reset took the marker away: the controller had the appliance before, and has it again.
    else if (!existsSync(paths.handoffMarker))
      await writeManaged(paths.handoffMarker, `${run.state.active?.id ?? j.id}\n`, 0o644, 0o700, 'rollback:handoff', run.crash);
    run.crash('rollback:restored');
    const prevGen = j.prev.generation;
    if (prevGen !== null) {
      const current = await d.rebuild.currentGeneration();
      const activeSystem = await d.rebuild.activeSystem();
      const prevSystem = await d.rebuild.generationSystem(prevGen);
      const profileMoved = current !== prevGen;
      const wasActivated = activated(origin.from) || profileMoved || activeSystem !== prevSystem;
      if (profileMoved) {
        await d.rebuild.setProfileGeneration(prevGen);
        run.crash('rollback:profile');
      }
      if (wasActivated) {
        const verb = profileMoved || origin.from === 'switch' || origin.from === 'health' ? 'switch' : 'test';
        const r = await run.command(`switch-to-configuration ${verb} (generation ${prevGen})`, (onLine) =>
          d.rebuild.switchToConfiguration(prevGen, verb, { timeoutMs: d.timeouts.rollback, onLine }),
        );
        // Exit 4 (some units failed) still leaves the previous generation active.
        if (!r.ok && r.exitCode !== 4) run.note(`warning: re-activating generation ${prevGen} reported ${describeResult(r)}`);
        run.crash('rollback:reactivated');
      }
    }
  }
  // The switch back does not restart the wizard (its unit did not change): start it.
  if (j.prev && !j.prev.handedOff)
    await d.startWizard?.().catch((e: unknown) => run.note(`warning: could not start the wizard again: ${e instanceof Error ? e.message : String(e)}`));
  const result = run.result({ outcome: 'rolled-back', reason: origin.reason, failedPhase: phaseOf(origin.from), generation: j.prev?.generation ?? null });
  await removeTicket(paths, j.id);
  await run.journal((s) => {
    s.last = result;
    s.apply = null;
  });
  run.crash('rollback:done');
  run.note(`rolled back: ${origin.reason}`);
  await run.cleanup(j.id);
  return result;
}

/**
 * After a crash: finishes the interrupted apply. An open confirm window on the same boot is
 * resumed (the admin may still confirm); everything else is rolled back. Returns null when
 * there was nothing to recover (after finishing a reset's clean-up that was left pending).
 */
export async function recover(run: ApplyRun): Promise<ApplyResult | null> {
  const j = run.state.apply;
  if (!j) {
    const pending = run.state.resetCleanup;
    if (pending && run.d.resetWizardFiles) {
      run.openLog(pending.id, []);
      run.note(`finishing the clean-up of reset ${pending.id}`);
      await finishReset(run);
      run.closeLog();
      await run.publish(true);
    }
    return null;
  }
  run.openLog(j.id, []);
  run.note(`recovering apply ${j.id}, interrupted in ${j.step}`);
  await sweepTemps(run.paths);
  const sameBoot = j.bootId !== '' && j.bootId === (await run.d.probes.bootId());
  if (j.step === 'rollback') return rollback(run, j.rollback?.from ?? 'write', j.rollback?.reason ?? 'interrupted');
  if (
    j.step === 'confirm' &&
    sameBoot &&
    j.confirmMode === 'interactive' &&
    j.next &&
    (j.confirmedAt || (j.confirmDeadline && Date.parse(j.confirmDeadline) > Date.now()))
  ) {
    const config = await configFromFiles(run.paths.fragment);
    if (config) {
      run.note('resuming the confirm window');
      try {
        await confirmPhase(run, config);
        return await switchPhase(run, config);
      } catch (e) {
        return rollback(run, e instanceof ApplyFailure ? e.step : 'confirm', (e as Error).message);
      }
    }
  }
  const why = sameBoot || j.bootId === '' ? `the apply was interrupted in ${j.step} (the worker stopped)` : `the appliance restarted during ${j.step}`;
  return rollback(run, j.step, why);
}

/**
 * The network as written to disk (for a resumed confirm's health gate), re-validated with
 * the schema. The fragment's path goes to the evaluator as an argument, never pasted into an
 * expression (a root whose path holds a space or a quote must not change its meaning).
 */
async function configFromFiles(fragment: string): Promise<SiteConfig | null> {
  const read = await readFragmentSite(fragment);
  if (read.kind !== 'site') return null;
  const parsed = networkSection.safeParse(withoutNulls(read.site.network));
  if (!parsed.success) return null;
  const network = parsed.data;
  return { network: { ...network, dns: network.dns ?? [] } } as SiteConfig;
}

/** The fragment writes absent optional values as null; the schema knows them as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  return value;
}
