/**
 * PEM as RFC 7468 defines it and as OpenSSL's PEM reader reads it (crypto/pem/pem_lib.c):
 * explanatory text before, between and after the blocks is skipped (`Bag Attributes`,
 * `subject=` from `openssl pkcs12 -nodes`, an `openssl x509 -text` dump), a boundary line is
 * `-----BEGIN LABEL-----` / `-----END LABEL-----` with the same label, trailing blanks and CR are
 * dropped, the body is base64 with blanks allowed inside a line, no blank line inside it, and
 * padding only at its end. Where we differ (docs/field-policies.md): boundary lines indented by
 * blanks (a block pasted into YAML) are read too, and RFC 1421 headers (`Proc-Type:`) are refused.
 *
 * The result is the canonical text: each block alone, its base64 re-encoded in 64-column lines,
 * LF line ends, nothing else. Messages never quote the text: a private key is a secret.
 */

export interface PemBlock {
  label: string;
  der: Buffer;
}

// Leading blanks are ours (a pasted, indented block); trailing blanks and CR are OpenSSL's.
const BEGIN = /^[ \t]*-----BEGIN ([^\r\n]*)-----[ \t\r]*$/;
const END = /^[ \t]*-----END ([^\r\n]*)-----[ \t\r]*$/;
const BASE64_LINE = /^[A-Za-z0-9+/=]*$/;
/** No one pastes a chain of more blocks; the cap bounds the work on hostile input. */
const PEM_BLOCKS_MAX = 16;

/** The blocks of a PEM text, or why OpenSSL could not read it (never quoting the text). */
export function parsePem(text: string): PemBlock[] | string {
  const lines = text.split('\n');
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!);
    if (!begin) continue; // explanatory text (RFC 7468 section 5.2)
    const label = begin[1]!;
    const number = blocks.length + 1;
    if (!/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(label) || label.includes('-----')) {
      return `PEM block ${number} has a malformed BEGIN line`;
    }
    let body = '';
    let ended = false;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      const end = END.exec(line);
      if (end) {
        if (end[1] !== label) return `PEM block ${number}: its END line does not name the label of its BEGIN line`;
        ended = true;
        break;
      }
      if (BEGIN.test(line)) return `PEM block ${number} has no END line before the next BEGIN line`;
      if (line.includes(':')) {
        return /^[ \t]*Proc-Type:[ \t]*4,[ \t]*ENCRYPTED/.test(line)
          ? 'is encrypted (Proc-Type: 4,ENCRYPTED): give the key without a passphrase (the appliance has no one to type it at boot)'
          : `PEM block ${number} has RFC 1421 headers (lines with ":"); RFC 7468 has none and we refuse them (our policy: they only ever mark encrypted keys)`;
      }
      const data = line.replace(/[ \t\r]/g, '');
      if (data === '') return `PEM block ${number} has a blank line inside its base64 data`;
      if (!BASE64_LINE.test(data)) return `PEM block ${number} has characters that are not base64`;
      body += data;
    }
    if (!ended) return `PEM block ${number} has no END line`;
    const der = decodeBase64(body);
    if (der === null) return `PEM block ${number} is not valid base64 (wrong length or padding)`;
    if (der.length === 0) return `PEM block ${number} is empty`;
    blocks.push({ label, der });
    if (blocks.length > PEM_BLOCKS_MAX) return `must hold at most ${PEM_BLOCKS_MAX} PEM blocks`;
  }
  return blocks;
}

/** RFC 4648 base64 as OpenSSL's EVP_DecodeUpdate takes it: whole quanta, "=" only at the end. */
function decodeBase64(s: string): Buffer | null {
  if (s.length % 4 !== 0) return null;
  const pad = /=*$/.exec(s)![0].length;
  if (pad > 2 || s.slice(0, s.length - pad).includes('=')) return null;
  return Buffer.from(s, 'base64');
}

/** One block as RFC 7468 section 2 writes it (the "strict" form). */
export function pemBlockText(block: PemBlock): string {
  const b64 = block.der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${block.label}-----\n${lines.join('\n')}\n-----END ${block.label}-----\n`;
}

export function pemText(blocks: readonly PemBlock[]): string {
  return blocks.map(pemBlockText).join('');
}
