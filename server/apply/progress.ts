/**
 * Turns nix's `--log-format internal-json` stream (lines "@nix {...}" on stderr, mixed with
 * nixos-rebuild's own plain lines) into a progress summary and human-readable output lines,
 * the way nix's own progress bar counts: builds done/expected from `builds` activities, paths
 * from `copyPaths`, bytes from `copyPath` and `fileTransfer`.
 */
import { z } from 'zod';
import type { ApplyProgress } from './types.js';

// nix/src/libutil/logging.hh
const ACT = { copyPath: 100, fileTransfer: 101, realise: 102, copyPaths: 103, builds: 104, build: 105, substitute: 108 } as const;
const RES = { buildLogLine: 101, setPhase: 104, progress: 105, setExpected: 106 } as const;

/**
 * One "@nix" message as far as we use it (nix/src/libutil/logging.cc, JSONLogger). The line
 * comes from a child process's stderr: a message of another shape is passed through as text,
 * and a count that is not one counts as 0, so the published status always passes its schema.
 */
const nixMessage = z.looseObject({
  action: z.string(),
  id: z.number().optional(),
  level: z.number().optional(),
  type: z.number().optional(),
  text: z.string().optional(),
  msg: z.string().optional(),
  fields: z.array(z.unknown()).max(16).optional(),
});

const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

interface Activity {
  type: number;
  text: string;
  done: number;
  expected: number;
  /** setExpected results on this activity: expected count per activity type. */
  expectedByType: Map<number, number>;
}

/** Shortens "/nix/store/<hash>-name.drv" (under any root) to "name". */
export function storeName(text: string): string {
  return text.replace(/'?(?:\/[^\s']*)?\/nix\/store\/[0-9a-z]{32}-([^\s']+?)(?:\.drv)?'?(?=[\s,]|$)/g, '$1');
}

export class NixProgress {
  private readonly live = new Map<number, Activity>();
  /** done/expected of stopped activities, per type: nix keeps counting them. */
  private readonly finished = new Map<number, { done: number; expected: number }>();
  private activity: string | null = null;

  /** Feeds one output line; returns the human-readable line for the log, or null. */
  line(raw: string): string | null {
    if (!raw.startsWith('@nix ')) {
      const text = raw.trimEnd();
      if (text) this.activity = plainActivity(text) ?? this.activity;
      return text;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.slice(5));
    } catch {
      return raw;
    }
    const parsed = nixMessage.safeParse(json);
    if (!parsed.success) return raw;
    const m = parsed.data;
    const id = m.id ?? -1;
    const level = m.level ?? 0;
    switch (m.action) {
      case 'msg':
        return level <= 3 ? (m.msg ?? '') : null;
      case 'start': {
        const type = m.type ?? 0;
        const text = m.text ?? '';
        this.live.set(id, { type, text, done: 0, expected: 0, expectedByType: new Map() });
        if (text && (type === ACT.build || type === ACT.substitute || type === ACT.fileTransfer)) this.activity = storeName(text);
        return text && level <= 3 ? text : null;
      }
      case 'stop': {
        const a = this.live.get(id);
        if (a) {
          const f = this.finished.get(a.type) ?? { done: 0, expected: 0 };
          f.done += a.done;
          f.expected += Math.max(a.expected, a.done);
          this.finished.set(a.type, f);
          this.live.delete(id);
        }
        return null;
      }
      case 'result': {
        const a = this.live.get(id);
        const fields = m.fields ?? [];
        const type = m.type;
        if (type === RES.buildLogLine) return typeof fields[0] === 'string' ? fields[0] : '';
        if (!a) return null;
        if (type === RES.progress) {
          a.done = count(fields[0]);
          a.expected = count(fields[1]);
        } else if (type === RES.setExpected) {
          a.expectedByType.set(count(fields[0]), count(fields[1]));
        } else if (type === RES.setPhase && a.type === ACT.build) {
          this.activity = `${storeName(a.text)} (${typeof fields[0] === 'string' ? fields[0] : ''})`;
        }
        return null;
      }
      default:
        return null;
    }
  }

  private sum(type: number): { done: number; expected: number } {
    const f = this.finished.get(type) ?? { done: 0, expected: 0 };
    let done = f.done;
    let expected = f.expected;
    let announced = 0;
    for (const a of this.live.values()) {
      if (a.type === type) {
        done += a.done;
        expected += a.expected;
      }
      announced += a.expectedByType.get(type) ?? 0;
    }
    return { done, expected: Math.max(expected, announced, done) };
  }

  snapshot(): ApplyProgress {
    const builds = this.sum(ACT.builds);
    const paths = this.sum(ACT.copyPaths);
    const bytes = this.sum(ACT.copyPath);
    const download = this.sum(ACT.fileTransfer);
    return {
      activity: this.activity,
      buildsDone: builds.done,
      buildsTotal: builds.expected,
      pathsDone: paths.done,
      pathsTotal: paths.expected,
      bytesDone: bytes.done + download.done,
      bytesTotal: Math.max(bytes.expected, bytes.done) + download.expected,
    };
  }
}

/** nixos-rebuild's and switch-to-configuration's own lines that say what is happening. */
function plainActivity(line: string): string | null {
  const m =
    /^(building the system configuration|updating GRUB 2 menu|activating the configuration|setting up \/etc|reloading user units|restarting systemd|switching profile)[^.]*/.exec(
      line,
    );
  return m ? m[0] : null;
}

/** The counts of a progress for a person: "3/7 built, 12/40 paths, 1.5/20.0 MiB" (empty when nothing is counted). */
export function formatProgress(p: ApplyProgress): string {
  const parts: string[] = [];
  if (p.buildsTotal) parts.push(`${p.buildsDone}/${p.buildsTotal} built`);
  if (p.pathsTotal) parts.push(`${p.pathsDone}/${p.pathsTotal} paths`);
  if (p.bytesTotal) parts.push(`${(p.bytesDone / 1048576).toFixed(1)}/${(p.bytesTotal / 1048576).toFixed(1)} MiB`);
  return parts.join(', ');
}
