import { createHash, createHmac } from 'node:crypto';

/**
 * OpenSSH's known_hosts format (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"):
 *   [@marker] patterns keytype base64-key [comment]
 * patterns: comma-separated, `*` and `?` wildcards, `!` negation, `[host]:port` for ports other
 * than 22, or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 */
export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  patterns: string;
  keyType: string;
  key: Buffer;
  /** Where the entry came from, for messages: `file:line`. */
  source: string;
}

export function parseKnownHosts(text: string, fileName: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const entry = parseKnownHostsLine(rawLine, `${fileName}:${index + 1}`);
    if (entry) entries.push(entry);
  });
  return entries;
}

/** Lines that are blank, comments or malformed are skipped, as OpenSSH does; they never match. */
function parseKnownHostsLine(rawLine: string, source: string): KnownHostEntry | undefined {
  const line = rawLine.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  let marker: KnownHostEntry['marker'];
  if (fields[0]!.startsWith('@')) {
    const name = fields.shift()!;
    if (name !== '@revoked' && name !== '@cert-authority') return undefined;
    marker = name === '@revoked' ? 'revoked' : 'cert-authority';
  }
  const [patterns, keyType, base64Key] = fields;
  if (!patterns || !keyType || !base64Key || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64Key)) return undefined;
  const key = Buffer.from(base64Key, 'base64');
  if (keyTypeOfBlob(key) !== keyType) return undefined;
  return { marker, patterns, keyType, key, source };
}

/** The name OpenSSH looks up: the host alone on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  if (entry.patterns.startsWith('|')) return hashedNameMatches(entry.patterns, name);
  let matched = false;
  for (const pattern of entry.patterns.toLowerCase().split(',')) {
    const negated = pattern.startsWith('!');
    if (wildcardMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, version, salt, hash] = hashed.split('|');
  if (version !== '1' || !salt || !hash) return false;
  const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.equals(Buffer.from(hash, 'base64'));
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` exactly one; everything else literal. */
function wildcardMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** As `ssh-keygen -lf` prints it: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `ED25519`, `RSA`, `ECDSA`: the names ssh-keygen shows in parentheses. */
export function displayKeyType(keyType: string | undefined): string {
  if (keyType === undefined) return 'unknown type';
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  return keyType;
}

export function describeHostKey(blob: Buffer): string {
  return `${displayKeyType(keyTypeOfBlob(blob))} ${fingerprintOf(blob)}`;
}
