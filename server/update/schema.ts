/**
 * What `bowtie-setup update` reads, each checked with zod before it is used:
 * - the update settings the NixOS module writes (`/etc/bowtie-setup/update.json`);
 * - the running image's release file (`/etc/bowtie-setup/release.json`, written by setup.nix)
 *   and the same file inside the new release's base system, after it was copied from the
 *   signed cache;
 * - the metadata endpoint's answer.
 * Keys are snake_case like the config document.
 */
import { z } from 'zod';
import { interfaceField, UPDATE_CHANNELS } from '../config/schema.js';

/** A store path: /nix/store/<32 nix-base32 characters>-<name>. */
export const STORE_PATH = /^\/nix\/store\/[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]{1,211}$/;
/** A file inside a store path (configuration.nix of a release). */
const STORE_FILE = /^\/nix\/store\/[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]{1,211}(?:\/[A-Za-z0-9+\-._?=]+)*$/;
/** Release versions: semantic versions (1.8.2, 2.0.0-rc.1). */
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
/** A Nix binary cache public key: name:base64 (nix-store --generate-binary-cache-key). */
const PUBLIC_KEY = /^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]{43}=$/;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** https, or http to the loopback interface only (a local mirror, and the tests' fake server). */
const endpointUrl = z
  .string()
  .max(2048)
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u.hostname))) && u.username === '' && u.password === '';
      } catch {
        return false;
      }
    },
    { error: 'must be an https:// URL (http:// only to the loopback address) without credentials' },
  );

export const versionField = z.string().regex(VERSION, 'must be a version such as 1.8.2');
export const storePathField = z.string().regex(STORE_PATH, 'must be a Nix store path (/nix/store/<hash>-<name>)');

export const updateConfigSchema = z.strictObject({
  /** The metadata endpoint of the channel (JSON, see metadataSchema). */
  metadata_url: endpointUrl,
  channel: z.enum(UPDATE_CHANNELS),
  /** The signed binary cache the base system is copied from. */
  cache_url: endpointUrl,
  /** Keys whose signatures `nix copy` accepts for paths from cache_url; at least one. */
  trusted_public_keys: z.array(z.string().regex(PUBLIC_KEY, 'must be a binary cache public key (name:base64)')).min(1).max(16),
  health: z
    .strictObject({
      /** systemd units that must be active after the switch. */
      units: z.array(z.string().regex(/^[A-Za-z0-9:_.@-]{1,200}\.(service|target|socket|timer)$/, 'must be a systemd unit name')).max(16),
      /** URLs that must answer (any HTTP status below 500) after the switch: the cluster. */
      urls: z.array(endpointUrl).max(16),
      /** How long the new system has to become healthy. */
      timeout_seconds: z.number().int().min(1).max(3600),
      /**
       * The site's link must be routable as networkd sees it (systemd-networkd-wait-online):
       * `interface` names it (the site's interface or its VLAN), null: any link. Absent (an
       * image without a site): not checked.
       */
      network: z
        .strictObject({
          // Not an option either: it goes on systemd-networkd-wait-online's command line.
          interface: interfaceField.refine((s) => !s.startsWith('-'), { error: 'must not start with "-"' }).nullable(),
        })
        .nullable()
        .default(null),
    })
    .default({ units: ['bowtie_server.service'], urls: [], timeout_seconds: 300, network: null }),
});
export type UpdateConfig = z.output<typeof updateConfigSchema>;

/** A release as the image describes itself. */
export const releaseSchema = z.strictObject({
  version: versionField,
  /** The nixpkgs source the release was built from (NIX_PATH nixpkgs=). */
  nixpkgs: storePathField,
  /** The release's /etc/nixos/configuration.nix in the store (NIX_PATH nixos-config=). */
  configuration: z.string().regex(STORE_FILE, 'must be a file in the Nix store'),
});
export type Release = z.output<typeof releaseSchema>;

/**
 * The metadata endpoint's answer. Unknown keys are ignored so the endpoint can grow; the three
 * we use must be there and well-formed. `base` is the store path of the release's base system
 * (the controller configuration without a site), whose closure holds everything the rebuild
 * needs.
 */
export const metadataSchema = z.object({
  version: versionField,
  base: storePathField,
  channel: z.enum(UPDATE_CHANNELS),
});
export type Metadata = z.output<typeof metadataSchema>;
