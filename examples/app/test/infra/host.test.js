import * as chai from 'chai';
import driftspecChai from 'driftspec/chai';
import { control, useHosts } from 'driftspec/mocha';

chai.use(driftspecChai);
const { expect } = chai;

// The hosts come from DRIFTSPEC_TARGETS (or DRIFTSPEC_INVENTORY), `local` without either; the
// SSH key and known_hosts file from the pipeline's own variables.
const ssh = {
  ...(process.env.APP_SSH_KEY ? { identity: [process.env.APP_SSH_KEY] } : {}),
  ...(process.env.APP_KNOWN_HOSTS ? { knownHosts: [process.env.APP_KNOWN_HOSTS] } : {}),
};

describe('hello-app (infrastructure)', () => {
  for (const host of useHosts({ ssh, spec: 'hello-app-infra' })) {
    describe(host.target, () => {
      const service = host.service('hello-app');
      const port = host.port(8080);
      const health = host.http('http://127.0.0.1:8080/health');
      const config = host.jsonFile('/etc/hello-app/config.json');
      const configFile = host.file('/etc/hello-app/config.json');
      const account = host.user('hello');

      control('app-01', { title: 'the service runs under systemd', impact: 'high' }, () => {
        it('is enabled and running', async () => {
          await expect(service).to.be.enabled.and.running;
        });

        it('listens on 8080', async () => {
          await expect(port).to.be.listening.on('tcp');
        });

        it('answers /health from the host itself', async () => {
          await expect(health).to.have.status(200);
          await expect(health).to.have.body({ contains: '"status":"ok"' });
        });
      });

      control('app-02', { title: 'configuration and account', impact: 'medium' }, () => {
        it('is configured for port 8080', async () => {
          await expect(config).to.have.value('port', 8080);
        });

        it('keeps its configuration owned by root and not writable by others', async () => {
          await expect(configFile).to.have.owner('root').and.mode(0o644);
        });

        it('runs as a user that cannot log in', async () => {
          await expect(account).to.exist.and.shell('/usr/sbin/nologin');
        });
      });
    });
  }
});
