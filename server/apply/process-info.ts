/**
 * Linux process facts from /proc: start time (to tell a live process from a reused pid) and
 * process group (to find what a dead worker left running).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  startTime: number;
  state: string;
}

function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: fields follow the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
}

/** Start time of `pid` in clock ticks since boot, or null when it is gone (or a zombie). */
export function processStartTime(pid: number): number | null {
  const s = procStat(pid);
  return s && s.state !== 'Z' ? s.startTime : null;
}

/** The process is running and is the same one (same start time) as recorded. */
export function isSameProcessAlive(pid: number, startTime: number): boolean {
  return processStartTime(pid) === startTime;
}

export function processGroupOf(pid: number): number | null {
  return procStat(pid)?.pgrp ?? null;
}

/** Live (non-zombie) processes in process group `pgid`. */
export function processesInGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s && s.pgrp === pgid && s.state !== 'Z') out.push(s.pid);
  }
  return out;
}

/**
 * SIGKILLs every process of group `pgid` except `except`, and waits until they are gone (a
 * killed nixos-rebuild must not finish a switch after we rolled back).
 */
export async function killGroupMembers(pgid: number, except: number | null, timeoutMs = 5000): Promise<number> {
  let killed = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesInGroup(pgid).filter((p) => p !== except);
    if (left.length === 0) return killed;
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
    if (Date.now() > deadline) throw new Error(`processes of group ${pgid} did not exit: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
