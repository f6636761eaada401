/** Limits of the config document, shared by the schema, the readers and the web form. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
export const HOSTNAME_MAX = 63;
export const FQDN_MAX = 253;
export const SITE_NAME_MAX = 128;
export const EMAIL_MAX = 254;
export const EMAIL_LOCAL_MAX = 64;
export const PASSWORD_MIN = 12;
/** argon2 hashes any length, but a megabyte password is a denial of service, not a password. */
export const PASSWORD_MAX = 1024;
export const SSH_KEYS_MAX = 64;
export const SSH_KEY_MAX = 16 * 1024;
export const RSA_MIN_BITS = 2048;
export const DNS_SERVERS_MAX = 8;
export const NTP_SERVERS_MAX = 8;
export const ENTRYPOINTS_MAX = 16;
export const NO_PROXY_MAX = 64;
/** 802.1Q VLAN ids: 0 and 4095 are reserved. */
export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
/** IPv4's minimum datagram size (RFC 791) to jumbo frames. */
export const MTU_MIN = 576;
export const MTU_MAX = 9000;
/** IPv6's minimum link MTU (RFC 8200): below it the kernel turns IPv6 off on the link. */
export const IPV6_MIN_MTU = 1280;
export const URL_MAX = 2048;
export const TOKEN_MIN = 16;
export const TOKEN_MAX = 4096;
export const PEM_MAX = 64 * 1024;
export const SCHEDULE_MAX = 256;
export const SSO_NAME_MAX = 64;
export const SSO_CLIENT_ID_MAX = 512;
export const SSO_CLIENT_SECRET_MAX = 1024;
/** A randomized delay longer than a week would make "Sunday 03:00" meaningless. */
export const RANDOMIZED_DELAY_MAX_SECONDS = 7 * 24 * 3600;

/**
 * OWASP Password Storage Cheat Sheet: the minimum memory (KiB) for an argon2id iteration count.
 * An imported hash must be at least this strong.
 */
export const ARGON2_MIN_MEMORY_FOR_ITERATIONS: ReadonlyArray<readonly [iterations: number, memoryKiB: number]> = [
  [1, 47104],
  [2, 19456],
  [3, 12288],
  [4, 9216],
  [5, 7168],
];

/** What we hash with: above OWASP's minimum (19 MiB, t=2, p=1), within a small appliance's RAM. */
export const ARGON2_PARAMS = { memoryCost: 65536, timeCost: 3, parallelism: 1 } as const;
