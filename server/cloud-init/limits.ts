/** Bounds for reading user data; every source and format goes through them. */

/**
 * The largest user data we read, before and after gzip. EC2 allows 16 KiB, NoCloud and MIME
 * archives with shell scripts can be larger; our own `bowtie_setup` subtree is further held to
 * MAX_DOCUMENT_BYTES by readDocument.
 */
export const MAX_USER_DATA_BYTES = 4 * 1024 * 1024;

/** At most this many MIME parts are looked at (a multipart with 10,000 parts is not user data). */
export const MAX_MIME_PARTS = 64;

/** IMDS: connecting must succeed within this (the link-local address answers at once or never). */
export const IMDS_CONNECT_TIMEOUT_MS = 2_000;
/** IMDS: one request, connect to last body byte. */
export const IMDS_REQUEST_TIMEOUT_MS = 5_000;
/** IMDS: everything (token, instance id, user data, retries) within this, so boot is never held up longer. */
export const IMDS_TOTAL_TIMEOUT_MS = 15_000;
/** IMDSv2 session token lifetime asked for; we need it for three requests. */
export const IMDS_TOKEN_TTL_SECONDS = 60;
/** Largest IMDS token or instance id we accept. */
export const IMDS_SMALL_BODY_BYTES = 4 * 1024;
/** Longest instance id we accept from any source. */
export const INSTANCE_ID_MAX = 256;
