/**
 * `bowtie-setup console`: the menu on tty1 (and a serial console) until hand-off. Plain ASCII
 * text, no colours, 80 columns; readline on whatever streams it is given, so that tests drive
 * it with scripted input. It shows how to claim the appliance and offers:
 *
 *   1  network setup without DHCP, applied headless through the engine (health gate)
 *   2  status, as `bowtie-setup status` prints it
 *   3  reset (--config or --factory), confirmed by typing the host name
 *   4  refresh
 *   5  the last apply's log (its tail, made inert for the terminal)
 *
 * While the menu waits for a choice it reads the claim block again every few seconds and shows
 * it again when it changed (an address that DHCP gave late, the setup code once the wizard made
 * it), unless an answer is being typed: on a serial console that is also what a cloud's
 * console-output view shows (docs/decisions/0524).
 *
 * There is no way out to a shell: Ctrl-C goes back to the menu, Ctrl-Z does nothing, and the
 * end of input ends the program (its unit starts it again).
 */
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { ApplyBusyError } from '../apply/errors.js';
import { holdsMoreThanNetwork, readFragmentSite } from '../apply/fragment-value.js';
import { applyHeadless } from '../apply/headless.js';
import { readState } from '../apply/journal.js';
import { enginePaths } from '../apply/paths.js';
import { resetConfigDocument } from '../apply/reset-target.js';
import type { ApplyResult, ApplyStatus, ResetMode } from '../apply/types.js';
import { WIZARD_UNIT } from '../apply/worker.js';
import { formatFieldErrors } from '../config/errors.js';
import { withoutSecrets } from '../config/schema.js';
import { applianceName, confirmsReset, describeReset, resetAppliance, resetSummary } from '../reset/index.js';
import { readWizardDraft, writeWizardDraft } from '../reset/wizard-files.js';
import { listInterfaces } from '../system/interfaces.js';
import { formatApplyLog, readApplyLogTail } from './apply-log.js';
import { formatClaimScreen, readClaimScreen } from './claim.js';
import { LineInput } from './lines.js';
import { askStaticNetwork, type Prompter } from './network.js';

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  root: string;
  simulate: boolean;
  /** Line editing and echo by readline; default: when both streams are terminals. */
  terminal?: boolean;
  /** Environment of the apply worker (tests: simulator delays and faults). */
  env?: NodeJS.ProcessEnv;
  /** After a network apply: the wizard starts again at the new address; default systemctl (nothing in --simulate). */
  restartWizard?: () => Promise<void>;
  /** How often the claim block is read again while the menu waits; default 3 s. */
  refreshMs?: number;
  /** Told after each of those reads whether the screen was drawn again (tests wait on it). */
  onRefreshed?: (redrawn: boolean) => void;
}

export const DEFAULT_REFRESH_MS = 3000;

const MENU = ['', '  1) Network setup (static address, no DHCP)', '  2) Status', '  3) Reset', '  4) Refresh', '  5) Last apply log', ''];

export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const lines = new LineInput(opts.input, opts.output, { terminal: opts.terminal });
  const print = (line: string) => opts.output.write(`${line}\n`);
  const io: Prompter = { ask: (p) => lines.ask(p), print };
  const pause = async () => {
    await lines.ask('Press Enter to go back to the menu. ');
  };
  try {
    for (;;) {
      print('');
      const screen = formatClaimScreen(await readClaimScreen(opts));
      for (const l of screen) print(l);
      for (const l of MENU) print(l);
      const choice = await askRefreshing(opts, lines, screen, 'Choose 1-5: ');
      if (choice === null) {
        if (lines.closed) return;
        continue;
      }
      switch (choice.trim()) {
        case '1':
          await networkSetup(opts, io);
          await pause();
          break;
        case '2': {
          print('');
          const { statusCommand } = await import('../commands/status.js');
          await statusCommand.run({
            root: opts.root,
            simulate: opts.simulate,
            args: [],
            stdout: (t) => opts.output.write(t),
            stderr: (t) => opts.output.write(t),
          });
          await pause();
          break;
        }
        case '3':
          await resetMenu(opts, io);
          await pause();
          break;
        case '4':
        case '':
          break;
        case '5':
          print('');
          for (const l of formatApplyLog(await readApplyLogTail(opts.root))) print(l);
          await pause();
          break;
        default:
          print('Choose 1, 2, 3, 4 or 5.');
      }
    }
  } finally {
    lines.close();
  }
}

/**
 * Asks the menu's question; meanwhile the claim block is read again every `refreshMs` and,
 * when it differs from what is on the screen, shown again above the question. One read at a
 * time; a read that fails leaves the screen as it is.
 */
async function askRefreshing(opts: ConsoleOptions, lines: LineInput, shown: readonly string[], prompt: string): Promise<string | null> {
  let current = shown.join('\n');
  let reading = false;
  const timer = setInterval(
    () => {
      if (reading) return;
      reading = true;
      readClaimScreen(opts)
        .then((s) => {
          const screen = formatClaimScreen(s);
          const redrawn = screen.join('\n') !== current && lines.interject([...screen, ...MENU]);
          if (redrawn) current = screen.join('\n');
          opts.onRefreshed?.(redrawn);
        })
        .catch(() => {})
        .finally(() => {
          reading = false;
        });
    },
    Math.max(10, opts.refreshMs ?? DEFAULT_REFRESH_MS),
  );
  try {
    return await lines.ask(prompt);
  } finally {
    clearInterval(timer);
  }
}

async function networkSetup(opts: ConsoleOptions, io: Prompter): Promise<void> {
  const p = enginePaths(opts.root);
  const [site, state] = await Promise.all([readFragmentSite(p.fragment), readState(p.state).catch(() => null)]);
  if (site.kind === 'unreadable') {
    io.print(`The active configuration cannot be read (${site.reason}); nothing was changed.`);
    return;
  }
  if (state?.setup === 'complete' || (site.kind === 'site' && holdsMoreThanNetwork(site.site))) {
    // Applying only a network here would drop the enrollment (or the certificate) the site holds.
    io.print('This appliance is already set up beyond its network.');
    io.print(state?.setup === 'complete' ? 'Change its network in the controller,' : 'Change its network in the setup wizard,');
    io.print('or reset it keeping the network (3) and set it up again.');
    return;
  }
  // An admin the site holds (kept by reset --config, or from user data) goes along with its
  // hashes, as reset --config keeps it (docs/decisions/0523): its SSH keys stay the way in.
  const kept = site.kind === 'site' ? await resetConfigDocument(p) : null;
  if (kept?.kind === 'invalid') {
    io.print(formatFieldErrors(kept.errors));
    io.print('Nothing was changed.');
    return;
  }
  const current = kept?.kind === 'document' ? kept.kept : null;
  const name = await applianceName(opts.root, opts.simulate);
  const answers = await askStaticNetwork(io, { interfaces: await listInterfaces(opts.root, opts.simulate), current, hostname: name.hostname });
  if (!answers) {
    io.print('Nothing was changed.');
    return;
  }
  const admin = kept?.kind === 'document' ? kept.document.admin : undefined;
  const document = admin ? { ...answers, admin } : answers;
  io.print('Applying: build, test, health gate (link, address, gateway, DNS), switch.');
  let result: ApplyResult;
  try {
    result = await applyHeadless({ root: opts.root, simulate: opts.simulate, document, source: 'console', env: opts.env, onStatus: phasePrinter(io) });
  } catch (e) {
    if (!(e instanceof ApplyBusyError)) throw e;
    io.print(`${e.message}: nothing was changed. Try again when it has finished (2 shows it).`);
    return;
  }
  switch (result.outcome) {
    case 'applied':
    case 'unchanged': {
      // The wizard finishes setup from its draft: it must carry this network, or applying the
      // rest there would put DHCP back.
      const draft = await readWizardDraft(opts.root);
      await writeWizardDraft(opts.root, { ...draft, document: { ...draft.document, ...withoutSecrets(document) } });
      await (opts.restartWizard ?? defaultRestartWizard(opts.simulate))().catch((e: Error) =>
        io.print(`warning: the wizard could not be restarted: ${e.message}`),
      );
      const address = document.network?.ipv4?.method === 'static' ? document.network.ipv4.address.split('/')[0] : null;
      io.print(
        result.outcome === 'applied' ? `Applied (generation ${result.generation ?? '?'}).` : 'This network was already configured; nothing was rebuilt.',
      );
      if (address) io.print(`The setup wizard is now at https://${address}/`);
      return;
    }
    case 'invalid':
      io.print(formatFieldErrors(result.errors));
      io.print('Nothing was changed.');
      return;
    case 'rolled-back':
      io.print(`Failed in ${result.failedPhase ?? 'an unknown step'}: ${result.reason ?? 'unknown reason'}`);
      io.print('The previous configuration was restored.');
      for (const l of result.outputTail.slice(-8)) io.print(`  | ${l}`);
  }
}

async function resetMenu(opts: ConsoleOptions, io: Prompter): Promise<void> {
  io.print('');
  io.print('  1) Set up again, keeping the network (reset --config)');
  io.print('  2) Factory reset (reset --factory)');
  io.print('  0) Back');
  const pick = await io.ask('Choose 0-2: ');
  const mode: ResetMode | null = pick?.trim() === '1' ? 'config' : pick?.trim() === '2' ? 'factory' : null;
  if (!mode) {
    io.print('Nothing was changed.');
    return;
  }
  const name = await applianceName(opts.root, opts.simulate);
  io.print('');
  for (const l of resetSummary(mode, name)) io.print(l);
  const typed = await io.ask(`Type the host name (${name.hostname}) to confirm, or Enter to cancel: `);
  if (!confirmsReset(typed, name)) {
    io.print('Not confirmed: nothing was changed.');
    return;
  }
  try {
    const result = await resetAppliance({ root: opts.root, simulate: opts.simulate, mode, source: 'console', env: opts.env, onStatus: phasePrinter(io) });
    for (const l of describeReset(mode, result).lines) io.print(l);
  } catch (e) {
    if (!(e instanceof ApplyBusyError)) throw e;
    io.print(`${e.message}: nothing was changed. Try again when it has finished (2 shows it).`);
  }
}

/** One line per step, not per progress tick: a console scrolls. */
function phasePrinter(io: Prompter): (s: ApplyStatus) => void {
  let last = '';
  return (s) => {
    if (s.phase === last || s.phase === 'idle' || s.phase === 'queued') return;
    last = s.phase;
    io.print(`  [${s.phase}]`);
  };
}

function defaultRestartWizard(simulate: boolean): () => Promise<void> {
  if (simulate) return async () => {};
  return async () => {
    await execa('systemctl', ['restart', '--no-block', WIZARD_UNIT], { env: { PATH: process.env.PATH ?? '' }, extendEnv: false });
  };
}
