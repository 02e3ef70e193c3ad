import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  daysToExpiry,
  parseCertificateFile,
  x509CertificateResource,
} from '../../../src/resources/x509-certificate/index.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines } from '../../support/judge.js';

const registry = createRegistry([x509CertificateResource]);
const x509Certificate = resourceFunction(x509CertificateResource);

const recorded = (name: string) => recordedFrame(`recorded/configfiles/${name}.json`);
const certificate = (name: string) => parseCertificateFile(recorded(name).stdout.toString('utf8'), `/${name}.pem`);
const judge = (body: () => void, name: string) => resultLines(judgeFrame(registry, body, recorded(name)));

describe('x509_certificate resource', () => {
  it('reads a shipped root certificate (recorded ISRG Root X1)', () => {
    expect(certificate('cert-isrg-root-x1')).to.deep.equal({
      subject: 'C=US, O=Internet Security Research Group, CN=ISRG Root X1',
      issuer: 'C=US, O=Internet Security Research Group, CN=ISRG Root X1',
      notBefore: '2015-06-04T11:04:38.000Z',
      notAfter: '2035-06-04T11:04:38.000Z',
      sans: [],
      keyType: 'rsa',
      keySize: 4096,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      certificates: 1,
    });
  });

  it('reads SANs, EC and Ed25519 keys and their signature algorithms (made by openssl)', () => {
    const rsa = certificate('cert-rsa-sans');
    expect(rsa.sans).to.deep.equal([
      'DNS:web.example.test',
      'DNS:www.example.test',
      'IP:192.0.2.10',
      'email:ops@example.test',
    ]);
    expect([rsa.keyType, rsa.keySize, rsa.signatureAlgorithm]).to.deep.equal(['rsa', 2048, 'sha256WithRSAEncryption']);
    const ec = certificate('cert-ec-p384');
    expect([ec.keyType, ec.keySize, ec.signatureAlgorithm]).to.deep.equal(['ec', 384, 'ecdsa-with-SHA256']);
    const ed = certificate('cert-ed25519');
    expect([ed.keyType, ed.keySize, ed.signatureAlgorithm]).to.deep.equal(['ed25519', 256, 'ED25519']);
    expect(ed.subject).to.equal('CN=ed.example.test');
  });

  it('checks the first certificate of a chain, and counts days to expiry from a given time', () => {
    const chain = certificate('cert-chain');
    expect([chain.subject, chain.certificates]).to.deep.equal(['CN=web.example.test, O=Driftspec', 2]);
    const fact = certificate('cert-isrg-root-x1');
    expect(daysToExpiry(fact, Date.parse('2035-06-03T11:04:38.000Z'))).to.equal(1);
    expect(daysToExpiry(fact, Date.parse('2035-06-05T11:04:38.000Z'))).to.equal(-1);
  });

  it('judges validity, expiry and attributes with the value algebra', () => {
    const lines = judge(() => {
      x509Certificate('/etc/ssl/web.pem').valid().validFor({ days: 30 }).expiresInMoreThan(300);
      x509Certificate('/etc/ssl/web.pem').sans({ contains: ['DNS:www.example.test', 'IP:192.0.2.10'] });
      x509Certificate('/etc/ssl/web.pem').keySize({ ge: 3072 });
      x509Certificate('/etc/ssl/web.pem').issuer(/O=Driftspec$/);
    }, 'cert-rsa-sans');
    expect(lines.map((line) => line.slice(0, line.indexOf(':')))).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'passed',
    ]);
    expect(lines[4]).to.equal(
      'failed: expected certificate /etc/ssl/web.pem to have key size (bits) at least 3072, but got 2048',
    );
    // Made for 100 years (record.sh), so these hold until then.
    const short = judge(() => x509Certificate('/etc/ssl/ec.pem').validFor({ days: 40_000 }), 'cert-ec-p384');
    expect(short[0]).to.match(/^failed: .*be valid for at least 40000 more days, but it expires on .*, in \d+ days$/);
  });

  it('an expired certificate fails valid, and passes only its negation', () => {
    const lines = judge(() => {
      x509Certificate('/etc/ssl/old.pem').valid();
      x509Certificate('/etc/ssl/old.pem').not.valid();
      x509Certificate('/etc/ssl/old.pem').daysToExpiry({ lt: 0 });
    }, 'cert-expired');
    expect(lines).to.deep.equal([
      'failed: expected certificate /etc/ssl/old.pem to be valid now, but it expired on 2021-01-01T00:00:00.000Z',
      'passed: certificate /etc/ssl/old.pem should not be valid now',
      'passed: certificate /etc/ssl/old.pem should have days to expiry less than 0',
    ]);
  });

  it('a file that holds no certificate, or none at all, is an error naming it, negated or not', () => {
    expect(parseError(() => certificate('cert-request'))).to.equal(
      '/cert-request.pem is not a PEM certificate: it has no "-----BEGIN CERTIFICATE-----" block',
    );
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(parseError(() => parseCertificateFile(broken, '/b.pem'))).to.match(
      /^\/b\.pem: its first certificate does not parse/,
    );
    const missing = frame('', 1, 'head: cannot open /x.pem for reading: No such file or directory\n');
    const lines = resultLines(judgeFrame(registry, () => x509Certificate('/x.pem').not.valid(), missing));
    expect(lines).to.deep.equal([
      'error: could not check certificate /x.pem: /x.pem: it does not exist, so it holds no certificate',
    ]);
  });
});
