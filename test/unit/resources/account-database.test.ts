import { expect } from 'chai';
import { accountDatabase } from '../../../src/dsl/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry();

/** Recorded account files (test/fixtures/recorded/account-database/) as the parts of the query. */
function accountFiles(state: 'stock' | 'broken', shadow: string = `${state}-shadow`) {
  const part = (name: string, file: string) => {
    const { stdout, stderr, exitCode } = recordedFrame(`recorded/account-database/${file}.json`);
    return { name, stdout, stderr: stderr.toString('utf8'), exitCode };
  };
  return partsFrame([part('passwd', `${state}-passwd`), part('group', `${state}-group`), part('shadow', shadow)]);
}

function judgeAll(frame: ReturnType<typeof accountFiles>): string[] {
  return resultLines(
    judgeFrame(
      registry,
      () =>
        accountDatabase('local')
          .uniqueUids()
          .uniqueGids()
          .uniqueUserNames()
          .uniqueGroupNames()
          .onlyRootHasUidZero()
          .primaryGroupsExist()
          .groupMembersExist()
          .shadowed()
          .noEmptyPasswords(),
      frame,
    ),
  );
}

describe('account_database', () => {
  it('passes every consistency check on the stock image', () => {
    expect(judgeAll(accountFiles('stock')).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
  });

  it('names each planted inconsistency', () => {
    expect(judgeAll(accountFiles('broken'))).to.deep.equal([
      'failed: expected the local account database to have unique uids, but uid 0: root, toor',
      'failed: expected the local account database to have unique gids, but gid 27: sudo, sudo2',
      'passed: the local account database should have unique user names',
      'passed: the local account database should have unique group names',
      'failed: expected the local account database to give uid 0 to root alone, but toor has uid 0',
      "failed: expected the local account database to have every user's primary group, but lonely: gid 1001 has " +
        'no group; noshadow: gid 1500 has no group',
      'failed: expected the local account database to have every group member as a user, but adm: member ghost is ' +
        'no user',
      'failed: expected the local account database to have a shadow entry for every user and no other, but ' +
        'noshadow has no shadow entry',
      'failed: expected the local account database to have no account without a password, but no password: ' +
        'tester (shadow)',
    ]);
  });

  it('never passes a shadow check it could not read, negated or not; the other checks still judge', () => {
    const results = judgeFrame(
      registry,
      () => {
        accountDatabase('local').shadowed();
        accountDatabase('local').not.noEmptyPasswords();
        accountDatabase('local').uniqueUids();
      },
      accountFiles('stock', 'nonroot-shadow'),
    );
    expect(resultLines(results)).to.deep.equal([
      'error: could not check the local account database: reading the local account files and /etc/shadow: ' +
        '/etc/shadow may be read by root only: run as root or with sudo',
      'error: could not check the local account database: reading the local account files and /etc/shadow: ' +
        '/etc/shadow may be read by root only: run as root or with sudo',
      'passed: the local account database should have unique uids',
    ]);
  });

  it('is an error, naming the file, when passwd or group cannot be read or parsed', () => {
    const unreadable = partsFrame([
      { name: 'passwd', exitCode: 1, stderr: 'cat: /etc/passwd: No such file or directory\n' },
      { name: 'group', stdout: 'root:x:0:\n' },
    ]);
    const broken = partsFrame([
      { name: 'passwd', stdout: 'root:x:zero:0:root:/root:/bin/bash\n' },
      { name: 'group', stdout: 'root:x:0:\n' },
    ]);
    const [missing] = judgeFrame(registry, () => accountDatabase('local').uniqueUids(), unreadable);
    const [garbled] = judgeFrame(registry, () => accountDatabase('local').uniqueUids(), broken);
    expect(missing!.message).to.match(/\/etc\/passwd could not be read: cat: \/etc\/passwd: No such file/);
    expect(garbled!.message).to.match(/unparseable passwd entry "root:x:zero:0:root:\/root:\/bin\/bash"/);
  });

  it('is an error, never a pass, and quotes no hash, when a shadow state line is not what the query prints', () => {
    const passwd = recordedFrame('recorded/account-database/stock-passwd.json').stdout;
    const group = recordedFrame('recorded/account-database/stock-group.json').stdout;
    const hash = '$6$forgedsalt$forgedhashforgedhashforgedhash';
    const forged = [`root:${hash}`, 'root:unknown', 'root', `root:set:${hash}`];
    for (const line of forged) {
      const frame = partsFrame([
        { name: 'passwd', stdout: passwd },
        { name: 'group', stdout: group },
        { name: 'shadow', stdout: `daemon:locked\n${line}\n` },
      ]);
      const results = judgeFrame(
        registry,
        () => {
          accountDatabase('local').shadowed();
          accountDatabase('local').not.noEmptyPasswords();
        },
        frame,
      );
      expect(resultLines(results), line).to.deep.equal([
        'error: could not check the local account database: reading the local account files and /etc/shadow: ' +
          'shadow state line 2 is not "name:empty|locked|set"',
        'error: could not check the local account database: reading the local account files and /etc/shadow: ' +
          'shadow state line 2 is not "name:empty|locked|set"',
      ]);
    }
  });

  it('keeps every password hash on the target: the query prints only names and states', () => {
    const stdout = recordedFrame('recorded/account-database/stock-shadow.json').stdout.toString('utf8');
    expect(
      stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => /^[^:]+:(empty|locked|set)$/.test(line)),
    ).to.equal(true);
  });
});
