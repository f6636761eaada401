/**
 * A partial document (no enrollment) from user data "configures what it holds but never
 * enables bowtie_server; the wizard finishes the rest" (DESIGN.md). On a hypervisor without
 * DHCP a static address that only prefilled the wizard would leave the wizard unreachable, so
 * what the document sets on the appliance is applied first, headless, through the engine
 * (docs/decisions/0512). This module says what that is.
 */
import { DEFAULT_RANDOMIZED_DELAY, DEFAULT_SCHEDULE, type SiteConfig } from '../config/schema.js';

/** The image's own host name (nix/controller.nix: networking.hostName, above the image formats' defaults). */
export const FACTORY_HOSTNAME = 'bowtie';

/**
 * The fields of a partial document that set something on the appliance beyond the image's
 * defaults, in document order; empty when applying it would change nothing.
 *
 * Not counted: `site.name`, `tls`, `sso` and `network.proxy` (only the controller and its updates
 * use them, after hand-off), and the
 * admin's email and password (only the wizard does: the pre-claim). `updates` is counted when
 * it differs from the defaults: the fragment records it, and the module schedules updates
 * from it once setup is complete.
 */
export function partialConfigures(config: SiteConfig): string[] {
  const out: string[] = [];
  if (config.hostname !== FACTORY_HOSTNAME) out.push('hostname');
  if (config.domain !== null) out.push('domain');
  const admin = config.admin;
  if (admin && admin.ssh_authorized_keys.length > 0) out.push('admin.ssh_authorized_keys');
  if (admin?.console_password_hash) out.push('admin.console_password_hash');
  const net = config.network;
  if (net.interface !== null) out.push('network.interface');
  if (net.ipv4.method !== 'dhcp') out.push('network.ipv4');
  if (net.ipv6.method !== 'auto') out.push('network.ipv6');
  if (net.dns.length > 0) out.push('network.dns');
  if (net.ntp.length > 0) out.push('network.ntp');
  // A site whose network is a tagged VLAN (or needs a small MTU) reaches the wizard only once the link is set up.
  if (net.vlan !== null) out.push('network.vlan');
  if (net.mtu !== null) out.push('network.mtu');
  const u = config.updates;
  if (!u.enable || u.schedule !== DEFAULT_SCHEDULE || u.randomized_delay !== DEFAULT_RANDOMIZED_DELAY || u.channel !== 'stable') out.push('updates');
  return out;
}
