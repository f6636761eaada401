/**
 * The health gate: the automatic confirmation of headless applies after `nixos-rebuild test`
 * (link up, address configured, gateway and DNS answer), and the check after `switch`
 * (the same, plus bowtie_server active once setup is complete). It retries until every check
 * passes or the time is up; it never passes by skipping a check.
 */
import type { SiteConfig } from '../config/schema.js';
import { defaultInterface } from '../system/interfaces.js';
import type { SystemProbes } from '../system/probes.js';

/** The vendor daemon's unit (services.bowtie_server). */
export const BOWTIE_SERVER_UNIT = 'bowtie_server.service';

export interface HealthCheck {
  name: 'link' | 'address' | 'gateway' | 'dns' | 'bowtie-server';
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  ok: boolean;
  checks: HealthCheck[];
}

/** One round of checks. */
export async function checkHealth(config: SiteConfig, probes: SystemProbes, withServer: boolean, probeTimeoutMs = 2000): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  const list = await probes.interfaces();
  const chosen = config.network.interface ? (list.find((i) => i.name === config.network.interface) ?? null) : defaultInterface(list);
  const name = config.network.interface ?? chosen?.name ?? '(none)';
  checks.push({
    name: 'link',
    ok: chosen?.carrier === true,
    detail: chosen ? `${name}: ${chosen.carrier ? 'carrier' : 'no carrier'}` : `${name}: no such interface`,
  });
  const v4 = (chosen?.addresses ?? []).filter((a) => /^\d+\.\d+\.\d+\.\d+\//.test(a));
  const wanted = config.network.ipv4.method === 'static' ? config.network.ipv4.address : null;
  const addressOk = wanted ? v4.includes(wanted) : v4.length > 0;
  checks.push({
    name: 'address',
    ok: addressOk,
    detail: addressOk ? `${name}: ${v4.join(', ')}` : `${name}: ${wanted ? `${wanted} not configured` : 'no IPv4 address'}`,
  });
  const gateway = config.network.ipv4.method === 'static' ? config.network.ipv4.gateway : await probes.defaultGateway();
  const gatewayOk = gateway !== null && (await probes.reachable(gateway, probeTimeoutMs));
  checks.push({ name: 'gateway', ok: gatewayOk, detail: gateway ? `${gateway} ${gatewayOk ? 'answers' : 'does not answer'}` : 'no default gateway' });
  const servers = config.network.dns.length > 0 ? config.network.dns : [null];
  const answering: string[] = [];
  for (const s of servers) if (await probes.dnsAnswers(s, probeTimeoutMs)) answering.push(s ?? 'system resolver');
  checks.push({
    name: 'dns',
    ok: answering.length > 0,
    detail: answering.length > 0 ? `${answering.join(', ')} answers` : `${servers.map((s) => s ?? 'system resolver').join(', ')}: no answer`,
  });
  if (withServer) {
    const active = await probes.unitActive(BOWTIE_SERVER_UNIT);
    checks.push({ name: 'bowtie-server', ok: active, detail: `${BOWTIE_SERVER_UNIT} ${active ? 'active' : 'not active'}` });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

/** Checks until healthy or `timeoutMs` passes; returns the last report. */
export async function waitHealthy(config: SiteConfig, probes: SystemProbes, withServer: boolean, timeoutMs: number, intervalMs = 1000): Promise<HealthReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await checkHealth(config, probes, withServer, Math.min(2000, Math.max(100, timeoutMs)));
    if (report.ok || Date.now() + intervalMs > deadline) return report;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function describeHealth(report: HealthReport): string {
  return report.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.detail}`).join('; ');
}
