import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import { containerResource } from '../../../src/resources/container/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { fixturePath, hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([containerResource]);
const container = resourceFunction(containerResource);
const judge = (body: () => void, frame: Frame) => resultLines(judgeFrame(registry, body, frame, hostFacts()));
/** The probe on this machine with podman (record.mts). */
const podman = recordedFrame('recorded/container/podman.json');
/** The docker CLI's own output, recorded as a command (record.mts), put into the query's parts. */
function dockerFrame(name: string): Frame {
  const recording = JSON.parse(readFileSync(fixturePath(`recorded/container/${name}.json`), 'utf8'));
  return partsFrame([
    { name: 'cli', stdout: 'docker' },
    { name: 'ps', stdout: recording.stdout, stderr: recording.stderr, exitCode: recording.exitCode },
  ]);
}

describe('container resource', () => {
  it('judges podman containers: running, created, exited, image and published ports (recorded)', () => {
    const lines = judge(() => {
      container('ds-rec-web').exists().running().state('running').image('localhost/driftspec-rec:1');
      container('ds-rec-web').ports({ contains: ['127.0.0.1:18080->8080/tcp', '0.0.0.0:19000-19001->9000-9001/udp'] });
      container('ds-rec-created').exists().not.running().state('created');
      container('ds-rec-exited').not.running().state('exited').not.ports({ matches: '.' });
      container('ds-rec').not.exists();
    }, podman);
    expect(lines.filter((line) => !line.startsWith('passed: '))).to.deep.equal([]);
    expect(lines).to.have.length(12);
  });

  it('a container that is not there: exists fails, its attributes fail both ways', () => {
    const lines = judge(() => {
      container('ds-rec').exists();
      container('ds-rec').not.image('x');
    }, podman);
    expect(lines).to.deep.equal([
      'failed: expected container ds-rec to exist, but podman ps -a lists no container named ds-rec',
      'failed: expected container ds-rec not to have image "x", but podman ps -a lists no container named ds-rec',
    ]);
  });

  it('reads the docker CLI line format, names and ports as its text (recorded against a Docker API)', () => {
    const lines = judge(() => {
      container('ds-rec-web').running().image('localhost/driftspec-rec:1').ports('127.0.0.1:18080->8080/tcp');
      container('ds-rec-exited').exists().state('exited');
      container('ds-rec-created').not.running();
      container('no-such').not.exists();
    }, dockerFrame('docker'));
    expect(lines.filter((line) => !line.startsWith('passed: '))).to.deep.equal([]);
  });

  it('no engine to reach, no CLI at all: an error, never absent', () => {
    const noDaemon = judge(() => container('web').not.exists(), dockerFrame('docker-no-daemon'));
    expect(noDaemon[0]).to.match(/^error: .*docker ps -a exited 1: Cannot connect to the Docker daemon/);
    const noCli = {
      id: 'q',
      exitCode: 3,
      stdout: Buffer.alloc(0),
      stderr: Buffer.from('neither podman nor docker is on the target\n'),
    };
    expect(judge(() => container('web').not.running(), noCli)[0]).to.match(
      /^error: .*neither podman nor docker is on the target$/,
    );
  });

  it('forged or cut output is an error: not JSON, a wrong shape, a name listed twice', () => {
    const podmanPs = (stdout: string) =>
      partsFrame([
        { name: 'cli', stdout: 'podman' },
        { name: 'ps', stdout },
      ]);
    const entry = (name: string) => ({ Names: [name], Image: 'i', State: 'running', Ports: null });
    expect(judge(() => container('a').not.exists(), podmanPs('[{"Names": ["a"]'))[0]).to.match(/^error: .*not JSON/);
    expect(judge(() => container('a').not.exists(), podmanPs('[{"Names": "a"}]'))[0]).to.match(
      /^error: .*unexpected output/,
    );
    const twice = podmanPs(JSON.stringify([entry('a'), entry('a')]));
    expect(judge(() => container('a').not.running(), twice)[0]).to.match(/^error: .*lists 2 containers named a$/);
    const other = partsFrame([
      { name: 'cli', stdout: 'nerdctl' },
      { name: 'ps', stdout: '[]' },
    ]);
    expect(judge(() => container('a').not.exists(), other)[0]).to.match(/^error: .*unexpected CLI "nerdctl"/);
  });

  it('names are matched exactly, never as a prefix', () => {
    const lines = judge(() => {
      container('ds-rec').not.exists();
      container('ds-rec-we').not.exists();
      container('DS-REC-WEB').not.exists();
    }, podman);
    expect(lines.every((line) => line.startsWith('passed: '))).to.equal(true);
  });

  it('refuses a name docker and podman would refuse', () => {
    const refused = (name: string) => !containerResource.subject.safeParse(name).success;
    expect(['-web', 'a b', '', "x'$(reboot)", 'a/b'].every(refused)).to.equal(true);
    expect(['web', 'web-1.blue_2'].some(refused)).to.equal(false);
  });
});
