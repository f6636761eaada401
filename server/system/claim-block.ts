/**
 * The short block on the VM console that tells the person who deployed the appliance how to
 * claim it: where to go, the setup code, and the certificate fingerprint to compare with
 * what the browser shows. It goes to the console device (or the terminal in --simulate),
 * never to stdout/stderr of the service: those end in the journal.
 */
import { open } from 'node:fs/promises';

export interface ClaimDetails {
  urls: string[];
  /** The grouped setup code, or null when an admin from cloud-init pre-claimed the wizard. */
  setupCode: string | null;
  preClaimedBy: string | null;
  fingerprint256: string;
}

export function formatClaimBlock(d: ClaimDetails): string {
  const [first, ...more] = d.urls;
  // 32 bytes as AB:CD:.. is 95 characters: two lines fit an 80-column console.
  const fp = d.fingerprint256;
  const lines = [
    '',
    '==== Bowtie Controller setup ====',
    `  Open:         ${first ?? '(no address yet: configure the network with "bowtie-setup console")'}`,
    ...more.map((u) => `                ${u}`),
    d.setupCode ? `  Setup code:   ${d.setupCode}` : `  Sign in as:   ${d.preClaimedBy} (named by cloud-init user data)`,
    `  Certificate:  SHA-256 ${fp.slice(0, 47)}`,
    `                       ${fp.slice(48)}`,
    '=================================',
    '',
  ];
  return lines.join('\n');
}

/** Writes the block to a device or file without creating it (a missing console is an error). */
export async function writeClaimBlock(path: string, block: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await handle.write(block);
  } finally {
    await handle.close();
  }
}
