import { X509Certificate } from 'node:crypto';
import { FactError } from '../resource.js';
import { signatureAlgorithm } from './der.js';

export interface CertificateFact {
  subject: string;
  issuer: string;
  /** ISO 8601, UTC. */
  notBefore: string;
  notAfter: string;
  /** `DNS:example.org`, `IP:192.0.2.1`, `email:…`, `URI:…`, as OpenSSL prints them ("IP Address" shortened). */
  sans: string[];
  keyType: string;
  /** RSA and DSA: the modulus bits; EC: the curve's bits; Ed25519 256, Ed448 456. */
  keySize: number | null;
  signatureAlgorithm: string;
  /** How many certificates the file holds; the first is the one checked. */
  certificates: number;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp256k1: 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
  secp224r1: 224,
};

/** The first PEM certificate of a file's text; a file without one (or a broken one) is an error naming it. */
export function parseCertificateFile(text: string, path: string): CertificateFact {
  const blocks = text.match(PEM_BLOCK) ?? [];
  const first = blocks[0];
  if (first === undefined) {
    const hint = text.includes('PRIVATE KEY-----') ? ' (it holds a private key)' : '';
    throw new FactError(`${path} is not a PEM certificate: it has no "-----BEGIN CERTIFICATE-----" block${hint}`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(first);
  } catch (error) {
    throw new FactError(`${path}: its first certificate does not parse (${(error as Error).message})`);
  }
  let algorithm: string;
  try {
    algorithm = signatureAlgorithm(certificate.raw);
  } catch (error) {
    throw new FactError(`${path}: its signature algorithm cannot be read (${(error as Error).message})`);
  }
  const details = certificate.publicKey.asymmetricKeyDetails ?? {};
  const keyType = certificate.publicKey.asymmetricKeyType ?? 'unknown';
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    sans: subjectAltNames(certificate.subjectAltName),
    keyType,
    keySize: keySize(keyType, details),
    signatureAlgorithm: algorithm,
    certificates: blocks.length,
  };
}

/** node prints one attribute a line, most significant last as OpenSSL does: joined by ", " as written. */
function distinguishedName(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .join(', ');
}

function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/, (?=[A-Za-z ]+:)/).map((entry) => entry.replace(/^IP Address:/, 'IP:').replace(/^"(.*)"$/, '$1'));
}

function keySize(type: string, details: { modulusLength?: number; namedCurve?: string }): number | null {
  if (details.modulusLength !== undefined) return details.modulusLength;
  if (details.namedCurve !== undefined) return CURVE_BITS[details.namedCurve] ?? null;
  if (type === 'ed25519' || type === 'x25519') return 256;
  if (type === 'ed448') return 456;
  if (type === 'x448') return 448;
  return null;
}
