import type { AuthorizedKey } from './facts.js';

// sshd(8) "AUTHORIZED_KEYS FILE FORMAT"
const KEY_TYPE = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+|[a-z0-9-]+-cert-v0\d@openssh\.com)$/;
const KEY_BLOB = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits on blanks outside double quotes, as sshd reads the options field. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && quoted && line[i + 1] === '"') {
      current += '\\"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if ((ch === ' ' || ch === '\t') && !quoted) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** One key line: [options] type blob [comment]. Undefined for blank, comment or unknown lines. */
export function parseAuthorizedKeyLine(line: string): AuthorizedKey | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const tokens = tokenize(trimmed);
  for (let i = 0; i < Math.min(tokens.length - 1, 2); i++) {
    if (KEY_TYPE.test(tokens[i]!) && KEY_BLOB.test(tokens[i + 1]!)) {
      const options = i === 1 ? tokens[0] : undefined;
      return {
        ...(options === undefined ? {} : { options }),
        type: tokens[i]!,
        blob: tokens[i + 1]!,
        comment: tokens.slice(i + 2).join(' '),
      };
    }
  }
  return undefined;
}

export function parseAuthorizedKeys(content: string): AuthorizedKey[] {
  return content.split('\n').flatMap((line) => parseAuthorizedKeyLine(line) ?? []);
}

/**
 * A bare blob matches the key with that blob; a key line matches a key with the same type and
 * blob, and also the same comment and options where the expected line has them.
 */
export function authorizedKeyMatches(key: AuthorizedKey, expected: string): boolean {
  const wanted = expected.trim();
  if (!/\s/.test(wanted)) return key.blob === wanted;
  const parsed = parseAuthorizedKeyLine(wanted);
  if (!parsed) return false;
  if (parsed.type !== key.type || parsed.blob !== key.blob) return false;
  if (parsed.comment !== '' && parsed.comment !== key.comment) return false;
  return parsed.options === undefined || parsed.options === key.options;
}

export function describeKey(key: AuthorizedKey): string {
  return `${key.type} …${key.blob.slice(-12)}${key.comment ? ` ${key.comment}` : ''}`;
}
