/**
 * What the apply engine's health gate asks the system, one floor below both implementations
 * (the real probes in probes.ts, the simulated ones in probes-sim.ts), so neither imports the
 * other's module for the type.
 */
import type { NetworkInterface } from './interfaces.js';

export interface SystemProbes {
  interfaces(): Promise<NetworkInterface[]>;
  /** The IPv4 default route's gateway, or null. */
  defaultGateway(): Promise<string | null>;
  /** Whether `address` answers (one ICMP echo) within `timeoutMs`. */
  reachable(address: string, timeoutMs: number): Promise<boolean>;
  /** Whether the DNS server answers at all (an NXDOMAIN is an answer); null = system resolver. */
  dnsAnswers(server: string | null, timeoutMs: number): Promise<boolean>;
  /** Whether a systemd unit is active. */
  unitActive(unit: string): Promise<boolean>;
  /** Changes on every boot: an apply journaled before a reboot knows the test activation is gone. */
  bootId(): Promise<string>;
}
