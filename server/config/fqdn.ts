/**
 * A host's full name from its label and domain. Apart from names.ts, whose checks need the
 * address parser: `serve` needs only this before it listens (docs/decisions/0690).
 */
export function fqdnOf(hostname: string, domain: string | null | undefined): string {
  return domain ? `${hostname}.${domain}` : hostname;
}
