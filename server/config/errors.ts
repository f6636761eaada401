import type { z } from 'zod';
import type { FieldError } from './schema.js';

/** A dotted field path as used in error lines and as web form field names ("network.dns.0"). */
/** Setting names as the document spells them: lower-case snake_case. */
const SAFE_KEY = /^[a-z][a-z0-9_]{0,39}$/;

export function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.') || '(document)';
}

function describeType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  return typeof input === 'string' ? 'text' : `a ${typeof input}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  object: 'a mapping',
  array: 'a list',
  boolean: 'true or false',
  number: 'a number',
};

/**
 * Turns zod issues into field errors. Messages are ours, and none of them includes the
 * submitted value: the value may be a secret (a password typed into the wrong field).
 */
export function fieldErrors(issues: ReadonlyArray<z.core.$ZodIssue>): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = pathText(issue.path);
    switch (issue.code) {
      case 'invalid_type':
        out.push({
          path,
          message: issue.input === undefined ? 'is required' : `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeType(issue.input)}`,
        });
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          // A typo can turn a value into a key (`{password:Secret}`, no space after the colon):
          // only a name that looks like a setting's name is repeated back.
          if (SAFE_KEY.test(key)) out.push({ path: pathText([...issue.path, key]), message: 'is not a known setting' });
          else
            out.push({
              path: issue.path.length ? pathText(issue.path) : '(top level)',
              message: 'has an unknown setting whose name is not shown (it looks like it may hold a value: check for a missing space after a colon)',
            });
        }
        break;
      case 'invalid_value':
        out.push({ path, message: `must be one of: ${issue.values.map(String).join(', ')}` });
        break;
      case 'invalid_union': {
        // zod reports an unknown or missing discriminator (network.ipv4.method) this way.
        const options = (issue as { options?: unknown[] }).options;
        out.push({ path, message: options ? `must be one of: ${options.map(String).join(', ')}` : 'is not valid here' });
        break;
      }
      case 'too_big':
        out.push({ path, message: `must have at most ${String(issue.maximum)} entries` });
        break;
      case 'too_small':
        out.push({ path, message: `must have at least ${String(issue.minimum)} entries` });
        break;
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

export function formatFieldErrors(errors: ReadonlyArray<FieldError>): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}
