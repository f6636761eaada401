/** Field shapes shared by the network configuration formats (bounded: these are an author's input). */
import { z } from 'zod';

/** Long enough for any address, name or domain; short enough to print a path next to. */
export const shortText = z.string().max(256);
export const MAX_LIST = 64;
export const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
export const macField = z
  .string()
  .max(64)
  .transform((s) => s.toLowerCase())
  .refine((s) => MAC.test(s), { error: 'must be a MAC address such as 52:54:00:12:34:56' });
export const mtuField = z.number().int().min(0).max(65535);
export const textList = z.array(shortText).max(MAX_LIST);
/** v1 allows one value or a list for name servers and search domains. */
export const oneOrMany = z.union([shortText, textList]).transform((v) => (typeof v === 'string' ? [v] : v));

/** Destinations that mean the default route, as cloud-init and netplan spell them. */
export function isDefaultDestination(to: string, netmask?: string): 'ipv4' | 'ipv6' | null {
  if (to === 'default') return 'ipv4';
  if (to === '0.0.0.0/0' || (to === '0.0.0.0' && (netmask === undefined || netmask === '0.0.0.0'))) return 'ipv4';
  if (to === '::/0' || (to === '::' && (netmask === undefined || netmask === '::' || netmask === '0'))) return 'ipv6';
  return null;
}

/** Keys present in `value` beyond `known`, for the ignored lines. */
export function extraKeys(value: unknown, known: ReadonlySet<string>): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value).filter((k) => !known.has(k));
}
