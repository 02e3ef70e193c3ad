import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import { SnapshotSchema, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { unifiedDiff } from '../../src/drift/text-diff.js';
import {
  contentScript,
  contentStarts,
  DEFAULT_FILE_CONTENT,
  keptText,
} from '../../src/resources/file/inventory-content.js';
import { FileTreeReader, fileWalkScript } from '../../src/resources/file/inventory-walk.js';
import { handMadeSnapshot, judgedDriftReport, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** Applies a unified diff's hunks to the old lines: what a patch tool would make of them. */
function applyDiff(before: string, diff: string): string {
  if (diff === '') return before;
  const old = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let at = 0;
  const lines = diff.replace(/\n$/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(lines[i]!);
    if (!hunk) throw new Error(`not a hunk header: ${lines[i]}`);
    const start = Number(hunk[1]) - (hunk[2] === '0' ? 0 : 1);
    while (at < start) out.push(old[at++]!);
    while (i + 1 < lines.length && !lines[i + 1]!.startsWith('@@')) {
      const line = lines[++i]!;
      if (line.startsWith('+')) out.push(line.slice(1));
      else {
        expect(old[at], `context or removed line ${line}`).to.equal(line.slice(1));
        if (line.startsWith(' ')) out.push(old[at]!);
        at++;
      }
    }
  }
  while (at < old.length) out.push(old[at++]!);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

describe('drift content: unified diffs of small text files', () => {
  it('prints the hunks of a one-line change with three lines of context, as diff -u does', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = before.replace('e\n', 'E\n');
    expect(unifiedDiff(before, after)).to.equal('@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
  });

  it('numbers insertions at the start, deletions at the end and a pure insertion as diff -u does', () => {
    expect(unifiedDiff('x\n', 'new\nx\n')).to.equal('@@ -1 +1,2 @@\n+new\n x\n');
    expect(unifiedDiff('x\ny\n', 'x\n')).to.equal('@@ -1,2 +1 @@\n x\n-y\n');
    expect(unifiedDiff('', 'only\n')).to.equal('@@ -0,0 +1 @@\n+only\n');
    expect(unifiedDiff('gone\n', '')).to.equal('@@ -1 +0,0 @@\n-gone\n');
  });

  it('says when a last line has no newline, and is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a')).to.equal('@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n');
    expect(unifiedDiff('same\n', 'same\n')).to.equal('');
  });

  it('splits changes far apart into hunks of their own', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const after = [...lines];
    after[2] = 'changed 2';
    after[25] = 'changed 25';
    const diff = unifiedDiff(`${lines.join('\n')}\n`, `${after.join('\n')}\n`);
    expect(diff.match(/^@@/gm)).to.have.length(2);
    expect(diff)
      .to.match(/^@@ -1,6 \+1,6 @@$/m)
      .and.match(/^@@ -23,7 \+23,7 @@$/m);
  });

  it('gives a diff that turns the old text into the new for random edits (200 cases)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const old = Array.from({ length: random(25) }, () => `l${random(6)}`);
      const now = [...old];
      for (let edits = random(6); edits > 0; edits--) {
        const at = random(now.length + 1);
        if (random(2) === 0) now.splice(at, 0, `n${random(6)}`);
        else now.splice(at, 1);
      }
      const a = old.length === 0 ? '' : `${old.join('\n')}\n`;
      const b = now.length === 0 ? '' : `${now.join('\n')}\n`;
      expect(applyDiff(a, unifiedDiff(a, b)), `round ${round}`).to.equal(b);
    }
  });
});

describe('drift content: what the target sends and what the reader keeps', () => {
  it('asks the target for files readable by others, under the limit, outside the secret list, without keys', () => {
    const script = contentScript(['/etc'], '', DEFAULT_FILE_CONTENT);
    expect(script).to.include('-type f -perm -0004 -size -65537c');
    for (const glob of ['/etc/shadow*', '/etc/gshadow*', '*/ssh_host_*_key', '*.key'])
      expect(script).to.include(`-path '${glob}'`);
    expect(script).to.include("grep -L -Z -F -e 'PRIVATE KEY'");
    expect(script).to.include("grep -I -l -Z -e ''");
    expect(script).to.include('head -c 65536');
  });

  it('reads text only where a content tree and a walked root meet', () => {
    expect(contentStarts(['/etc', '/usr/bin'], ['/etc'])).to.deep.equal(['/etc']);
    expect(contentStarts(['/'], ['/etc', '/opt/app'])).to.deep.equal(['/etc', '/opt/app']);
    expect(contentStarts(['/etc/ssh'], ['/etc'])).to.deep.equal(['/etc/ssh']);
    expect(contentStarts(['/usr/bin'], ['/etc'])).to.deep.equal([]);
    expect(
      fileWalkScript({ roots: ['/usr/bin'], ignores: [], portable: false, content: DEFAULT_FILE_CONTENT }),
    ).to.not.include('PRIVATE KEY');
    expect(fileWalkScript({ roots: ['/etc'], ignores: [], portable: false })).to.not.include('PRIVATE KEY');
  });

  it('keeps text that is UTF-8 and is what the hash was taken of; drops anything else', () => {
    expect(keptText(Buffer.from('PermitRootLogin no\n'), sha('PermitRootLogin no\n'))).to.equal('PermitRootLogin no\n');
    expect(keptText(Buffer.from('changed since hashed\n'), sha('other'))).to.equal(undefined);
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    expect(keptText(latin1, sha(latin1))).to.equal(undefined);
    expect(keptText(Buffer.from('x'), undefined)).to.equal(undefined);
  });

  it('sets a file content from its C record, after its hash', () => {
    const reader = new FileTreeReader(() => false);
    const walked = (path: string) => ['M', 'f', '644', '0', '0', '3', '', path];
    const tokens = [
      ...['W', 'gnu', ''],
      ...walked('/etc/a'),
      ...walked('/etc/b'),
      `${sha('hi\n')}  /etc/a`,
      `${sha('yo\n')}  /etc/b`,
      'C',
      '/etc/a',
      'hi\n',
      'C',
      '/etc/b',
      'tampered\n',
      'C',
      '/etc/not-walked',
      'x\n',
      'Z',
      '0',
    ];
    for (const token of tokens) reader.token(Buffer.from(token));
    const { items, gaps } = reader.finish(true, '');
    expect(gaps).to.deep.equal([]);
    expect(items.map((f) => [f.path, f.content])).to.deep.equal([
      ['/etc/a', 'hi\n'],
      ['/etc/b', undefined],
    ]);
  });
});

function withText(path: string, text: string): (s: Snapshot) => void {
  return (s) => {
    const file = s.files.find((f) => f.path === path)!;
    Object.assign(file, { content: text, sha256: sha(text), size: Buffer.byteLength(text) });
  };
}

function report(baseline: Snapshot, candidate: Snapshot): DriftReport {
  return judgedDriftReport(baseline, [diffSnapshots(baseline, candidate, { now: NOW })], { now: NOW });
}

describe('drift content: the diff in the drift reports', () => {
  const config = 'worker_processes 4;\nuser www-data;\nlisten 80;\n';
  const baseline = withChanges(handMadeSnapshot(), withText('/etc/nginx/nginx.conf', config));
  const candidate = withChanges(baseline, withText('/etc/nginx/nginx.conf', config.replace('80', '8080 <b>&')));

  it('carries the diff on the sha256 change and leaves the text out of the records', () => {
    expect(SnapshotSchema.parse(baseline).files.find((f) => f.path === '/etc/nginx/nginx.conf')!.content).to.equal(
      config,
    );
    const drift = report(baseline, candidate);
    expect(DriftReportSchema.parse(drift)).to.deep.equal(drift);
    const item = drift.hosts[0]!.kinds.find((k) => k.kind === 'files')!.changed[0]!;
    expect(item.key).to.equal('/etc/nginx/nginx.conf');
    expect(item.changes.find((c) => c.attribute === 'sha256')!.diff).to.equal(
      '@@ -1,3 +1,3 @@\n worker_processes 4;\n user www-data;\n-listen 80;\n+listen 8080 <b>&;\n',
    );
    expect(item.changes.map((c) => c.attribute)).to.not.include('content');
    expect(JSON.stringify(drift)).to.not.include('"content"');
    expect(item.before).to.not.have.property('content');
  });

  it('shows no diff where one side kept no text (an older snapshot, a file that became a secret)', () => {
    const older = withChanges(baseline, (s) => {
      delete s.files.find((f) => f.path === '/etc/nginx/nginx.conf')!.content;
    });
    const drift = report(older, candidate);
    const item = drift.hosts[0]!.kinds.find((k) => k.kind === 'files')!.changed[0]!;
    expect(item.changes.map((c) => c.attribute)).to.deep.equal(['size', 'sha256']);
    expect(item.changes.every((c) => c.diff === undefined)).to.equal(true);
  });

  it('prints the diff in the cli, markdown, junit and html reports, escaped for each', () => {
    const drift = report(baseline, candidate);
    const cli = [...renderDriftCli(drift, drift.verdict!, { color: false })].join('');
    expect(cli).to.include('          -listen 80;\n          +listen 8080 <b>&;\n');
    const markdown = [...renderDriftMarkdown(drift, drift.verdict!)].join('');
    expect(markdown).to.include('**Content diffs**').and.include('```diff\n@@ -1,3 +1,3 @@\n');
    expect(markdown).to.include('+listen 8080 <b>&;\n```');
    const junit = [...renderDriftJunit(drift, drift.verdict!)].join('');
    expect(junit)
      .to.include('<![CDATA[changed file /etc/nginx/nginx.conf')
      .and.include('-listen 80;\n+listen 8080 <b>&;]]>');
    const html = [...renderDriftHtml(drift, drift.verdict!)].join('');
    expect(html).to.include('<pre class="diff">').and.include('<span class="add">+listen 8080 &lt;b&gt;&amp;;</span>');
    expect(html).to.include('<span class="del">-listen 80;</span>');
  });

  it('fences a diff whose lines hold backticks with a longer fence', () => {
    const ticks = withChanges(baseline, withText('/etc/nginx/nginx.conf', 'a ``` b\n'));
    const drift = report(baseline, ticks);
    const markdown = [...renderDriftMarkdown(drift, drift.verdict!)].join('');
    expect(markdown).to.include('````diff\n').and.include('+a ``` b\n````');
  });
});

describe('drift content: the docs say what the code does', () => {
  it('docs/drift.md lists every default secret glob and the defaults; docs/cli.md names the options', async () => {
    const { readFileSync } = await import('node:fs');
    const drift = readFileSync(new URL('../../docs/drift.md', import.meta.url), 'utf8');
    const section = drift.slice(
      drift.indexOf('### Content diffs of small text files'),
      drift.indexOf('### Fleet summary'),
    );
    const listed = [...section.slice(section.indexOf('default list:')).matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(listed.slice(0, DEFAULT_FILE_CONTENT.secrets.length)).to.deep.equal(DEFAULT_FILE_CONTENT.secrets);
    expect(section).to.include(`default\n  \`${DEFAULT_FILE_CONTENT.trees[0]}\``);
    expect(section).to.include(`default\n  ${DEFAULT_FILE_CONTENT.limit},`);
    const cli = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const option of ['--content-trees', '--content-limit', '--content-secret']) expect(cli).to.include(option);
  });
});
