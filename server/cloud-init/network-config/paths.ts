/**
 * Key paths in a network configuration, for error lines: `ethernets.eth0.addresses[1]`. A key
 * is the author's text: one that is not a plain name is not shown, so that no control
 * character, long text or misplaced value reaches the console.
 */
import type { z } from 'zod';
import { fieldErrors } from '../../config/errors.js';
import type { FieldError } from '../../config/schema.js';

const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,31}$/;

export function keyPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else {
      const text = String(s);
      // Anything else is not repeated (it may be a value typed where a key goes).
      out += `${out ? '.' : ''}${PLAIN.test(text) && !text.includes('.') ? text : '<a name with unusual characters>'}`;
    }
  }
  return out || '(top level)';
}

/** zod issues as errors at `label key.path`, with the config reader's wording (no value quoted). */
export function issueErrors(label: string, issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  return issues.flatMap((issue) => fieldErrors([issue]).map((e) => ({ path: at(label, keyPath([...prefix, ...issue.path])), message: e.message })));
}

/** The path of an error about a network configuration: its label, then the key. */
export function at(label: string, path: string): string {
  return `${label} ${path}`;
}
