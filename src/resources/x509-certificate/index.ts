import { z } from 'zod';
import { fileResource } from '../file/index.js';
import { parsedContentQuery } from '../structured-file/parsed-content.js';
import { attribute, defineResource, NoArgs, NoOptions, predicate, type FactQuery } from '../resource.js';
import { parseCertificateFile, type CertificateFact } from './certificate.js';

export { parseCertificateFile, type CertificateFact } from './certificate.js';
export { signatureAlgorithm } from './der.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The file resource's bounded content read (one read however many checks), parsed here: no openssl on the target. */
function certificateQuery(path: string): FactQuery<CertificateFact> {
  return parsedContentQuery(path, 'holds no certificate', (text) => parseCertificateFile(text, path));
}

/** Whole days from now until the certificate expires; negative once it has. */
export function daysToExpiry(fact: CertificateFact, now: number = Date.now()): number {
  return Math.floor((Date.parse(fact.notAfter) - now) / DAY_MS);
}

function validity(fact: CertificateFact, now: number): { valid: boolean; actual: string } {
  if (now < Date.parse(fact.notBefore)) return { valid: false, actual: `it is not valid before ${fact.notBefore}` };
  if (now > Date.parse(fact.notAfter)) return { valid: false, actual: `it expired on ${fact.notAfter}` };
  return { valid: true, actual: `it is valid from ${fact.notBefore} until ${fact.notAfter}` };
}

const ValidForArgs = z.object({ days: z.number().int().nonnegative() }).strict();

export const x509CertificateResource = defineResource({
  type: 'x509_certificate',
  dslName: 'x509Certificate',
  summary:
    'An X.509 certificate file (PEM) parsed by driftspec: validity, days to expiry, subject, issuer, SANs, key, ' +
    'signature algorithm.',
  subject: fileResource.subject,
  options: NoOptions,
  title: (path: string) => `certificate ${path}`,
  facts: {
    certificate: (path: string) => certificateQuery(path),
  },
  matchers: {
    valid: predicate<CertificateFact, Record<string, never>>({
      fact: 'certificate',
      args: NoArgs,
      describe: () => 'be valid now',
      test: (fact) => {
        const { valid, actual } = validity(fact, Date.now());
        return { pass: valid, actual };
      },
    }),
    validFor: predicate<CertificateFact, z.infer<typeof ValidForArgs>>({
      fact: 'certificate',
      args: ValidForArgs,
      describe: (args) => `be valid for at least ${args.days} more days`,
      test: (fact, args) => {
        const now = Date.now();
        const { valid, actual } = validity(fact, now);
        if (!valid) return { pass: false, actual };
        const pass = Date.parse(fact.notAfter) >= now + args.days * DAY_MS;
        return { pass, actual: `it expires on ${fact.notAfter}, in ${daysToExpiry(fact, now)} days` };
      },
    }),
    daysToExpiry: attribute<CertificateFact>({
      fact: 'certificate',
      describe: 'have days to expiry',
      read: (fact) => daysToExpiry(fact),
    }),
    notBefore: attribute<CertificateFact>({ fact: 'certificate', describe: 'be valid from', read: (f) => f.notBefore }),
    notAfter: attribute<CertificateFact>({ fact: 'certificate', describe: 'be valid until', read: (f) => f.notAfter }),
    subject: attribute<CertificateFact>({ fact: 'certificate', describe: 'have subject', read: (f) => f.subject }),
    issuer: attribute<CertificateFact>({ fact: 'certificate', describe: 'have issuer', read: (f) => f.issuer }),
    sans: attribute<CertificateFact>({
      fact: 'certificate',
      describe: 'have subject alternative names',
      read: (f) => f.sans,
    }),
    keyType: attribute<CertificateFact>({ fact: 'certificate', describe: 'have key type', read: (f) => f.keyType }),
    keySize: attribute<CertificateFact>({
      fact: 'certificate',
      describe: 'have key size (bits)',
      read: (f) => f.keySize ?? { absent: `the size of its ${f.keyType} key is not known to driftspec` },
    }),
    signatureAlgorithm: attribute<CertificateFact>({
      fact: 'certificate',
      describe: 'have signature algorithm',
      read: (f) => f.signatureAlgorithm,
    }),
  },
  shortcuts: {
    /** More than `days` whole days left: `daysToExpiry: { gt: days }`. */
    expiresInMoreThan: (days: number) => ({ matcher: 'daysToExpiry', args: { gt: days } }),
  },
});
