import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../apply/types.js';
import { EXIT } from '../exit-codes.js';
import { confirmsReset, describeReset, resetSummary } from './index.js';

const name = { hostname: 'ctl-sfo-01', fqdn: 'ctl-sfo-01.corp.example.com', configured: true };

function result(outcome: ApplyResult['outcome'], extra: Partial<ApplyResult> = {}): ApplyResult {
  return {
    id: 'a1',
    outcome,
    source: 'cli',
    finishedAt: '',
    reason: 'the health gate did not pass',
    failedPhase: 'confirm',
    errors: [],
    outputTail: ['line'],
    generation: 12,
    handedOff: false,
    ...extra,
  };
}

describe('reset texts', () => {
  it('fit an 80-column console in ASCII', () => {
    const lines = [...resetSummary('config', name), ...resetSummary('factory', name)];
    for (const mode of ['config', 'factory'] as const) {
      for (const outcome of ['applied', 'unchanged', 'rolled-back'] as const) lines.push(...describeReset(mode, result(outcome)).lines);
    }
    for (const l of lines.flatMap((l) => l.split('\n'))) {
      expect(l.length, l).toBeLessThanOrEqual(80);
      expect(l).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it('map outcomes to the CLI exit codes', () => {
    expect(describeReset('config', result('applied')).code).toBe(EXIT.ok);
    expect(describeReset('config', result('unchanged')).code).toBe(EXIT.ok);
    expect(describeReset('config', result('invalid', { errors: [{ path: '(fragment)', message: 'could not be read' }] })).lines).toContain(
      '(fragment): could not be read',
    );
    expect(describeReset('config', result('invalid')).code).toBe(EXIT.invalid);
    expect(describeReset('factory', result('rolled-back')).code).toBe(EXIT.applyFailed);
    // A factory reset that failed its DHCP health gate says what to do instead.
    expect(describeReset('factory', result('rolled-back')).lines.join('\n')).toMatch(/reset --config, which keeps the network/);
    expect(describeReset('config', result('rolled-back')).lines.join('\n')).not.toMatch(/DHCP/);
  });

  it('are confirmed by the host name only', () => {
    expect(confirmsReset(' CTL-sfo-01 ', name)).toBe(true);
    expect(confirmsReset('ctl-sfo-01.corp.example.com', name)).toBe(false);
    expect(confirmsReset('', name)).toBe(false);
    expect(confirmsReset(null, name)).toBe(false);
  });
});
