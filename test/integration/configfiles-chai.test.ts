import * as chai from 'chai';
import driftspecChai, { CheckNotJudgedError, host } from '../../src/chai/index.js';

chai.use(driftspecChai);
const { expect } = chai;

const EGL = '/usr/share/glvnd/egl_vendor.d/50_mesa.json';
const ISRG = '/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt';

describe('chai accessors of the structured-file, kernel module and certificate resources (this machine)', function () {
  this.timeout(120_000);

  it('judge their words, with the DSL shortcuts and chai word forms', async () => {
    const local = await host('local');
    await expect(local.jsonFile(EGL)).to.have.value('ICD.library_path', 'libEGL_mesa.so.0');
    await expect(local.yamlFile(EGL)).to.have.key({ path: 'ICD' });
    await expect(local.jsonFile(EGL)).not.to.hasKey('ICD.debug');
    await expect(local.iniFile('/etc/systemd/journald.conf')).to.hasKey('Journal');
    await expect(local.keyValueFile('/etc/os-release', { separator: '=' })).to.have.value('ID', 'debian');
    await expect(local.x509Certificate(ISRG)).to.be.valid.and.validFor({ days: 30 }).and.keyType('rsa');
    await expect(local.kernelModule('bonding')).not.to.be.blacklisted;
  });

  it('fail with expected and actual, and never pass a missing key under not', async () => {
    const local = await host('local');
    let failure: Error | undefined;
    try {
      await expect(local.jsonFile(EGL)).to.have.value('ICD.library_path', 'libEGL_other.so');
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.name).to.equal('AssertionError');
    expect(failure?.message).to.include('but ICD.library_path is "libEGL_mesa.so.0"');
    let notJudged: unknown;
    try {
      await expect(local.jsonFile(EGL)).not.to.have.value('ICD.missing', 'x');
    } catch (error) {
      notJudged = error;
    }
    expect(notJudged).to.be.instanceOf(CheckNotJudgedError);
  });
});
