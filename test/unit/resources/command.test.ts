import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import {
  COMMAND_OUTPUT_LIMIT,
  commandResource,
  jsonEquals,
  parseCommandResult,
  valueAtPath,
} from '../../../src/resources/command/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, statuses } from '../../support/judge.js';

const registry = createRegistry([commandResource]);
const command = resourceFunction(commandResource);

const judge = (body: () => void, fact: Frame) => judgeFrame(registry, body, fact);
const local = (name: string) => recordedFrame(`local/command/${name}.json`);

function framed(
  status: number,
  stdout: string | Buffer,
  stderr: string,
  sizes?: [number, number],
  limit = '60',
): Frame {
  const out = Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout);
  const [outBytes, errBytes] = sizes ?? [out.length, Buffer.byteLength(stderr)];
  return frame(
    Buffer.concat([Buffer.from(`@@command ${status} ${limit} ${outBytes} ${errBytes}\n`), out, Buffer.from(stderr)]),
  );
}

describe('command resource', () => {
  describe('the fragment', () => {
    it('gives the text to sh -c as one quoted word, with the timeout', () => {
      const script = commandResource.facts.result!(`echo "it's" $(id -u) \`x\``, { timeout: 5 }).script;
      expect(script).to.include(`timeout $ds_kill 5 sh -c 'echo "it'\\''s" $(id -u) \`x\`' 2>&3 3>&-`);
      expect(commandResource.facts.result!('true', {}).script).to.include('timeout $ds_kill 60 sh -c');
    });

    it('runs each distinct text and timeout once', () => {
      const key = (text: string, timeout?: number) =>
        commandResource.facts.result!(text, timeout === undefined ? {} : { timeout }).key;
      expect(key('true')).to.equal(key('true', 60));
      expect(key('true')).to.not.equal(key('true', 5));
      expect(key('true')).to.not.equal(key('true '));
    });

    it('validates options at plan time', () => {
      expect(() =>
        planSpecs([{ definition: spec('t', () => command('true', { timeout: 0 }).exitStatus(0)) }], registry),
      ).to.throw(/invalid command options/);
      expect(() =>
        planSpecs([{ definition: spec('t', () => command('true', { retries: 2 }).exitStatus(0)) }], registry),
      ).to.throw(/invalid command options/);
      const plan = planSpecs(
        [{ definition: spec('t', () => command('true', { timeout: 5 }).exitStatus(0)) }],
        registry,
      );
      expect(plan.checks[0]!.options).to.deep.equal({ timeout: 5 });
    });
  });

  describe('parsing (local recordings of the real fragment)', () => {
    it('separates exit status, stdout and stderr', () => {
      expect(parseCommandResult(local('output-and-status'), 'x')).to.deep.equal({
        exitStatus: 3,
        stdout: 'hello\n',
        stderr: 'oops\n',
        stdoutBytes: 6,
        stderrBytes: 5,
      });
    });

    it('keeps quotes, $(…) and backticks of the command as written', () => {
      expect(parseCommandResult(local('hostile-quoting'), 'x').stdout).to.equal("it's\n$(echo nope)\nnope\n");
    });

    it('marks a command not found or not executable, and is an error when it timed out', () => {
      expect(parseCommandResult(local('not-found'), 'no-such-command-driftspec').notRun).to.match(
        /command not found \(exit 127\): sh: 1: no-such-command-driftspec: not found/,
      );
      expect(parseCommandResult(local('not-executable'), '/etc/passwd').notRun).to.match(/not executable \(exit 126\)/);
      expect(parseCommandResult(local('output-and-status'), 'x').notRun).to.equal(undefined);
      expect(() => parseCommandResult(local('timed-out'), 'sleep 5')).to.throw(FactError, /timed out after 1 s/);
      expect(() => parseCommandResult(framed(143, '', 'Terminated'), 'sleep 5')).to.throw(
        FactError,
        /signal 15.*timeout/,
      );
    });

    it('takes statuses at face value where no timeout applied', () => {
      expect(parseCommandResult(framed(124, '', '', undefined, 'none'), 'x').exitStatus).to.equal(124);
      expect(parseCommandResult(framed(143, '', '', undefined, 'none'), 'x').exitStatus).to.equal(143);
    });

    it('is an error when the wrapper itself failed or the output does not add up', () => {
      expect(() => parseCommandResult(frame('', 127, 'sh: head: not found'), 'x')).to.throw(FactError, /127/);
      expect(() => parseCommandResult(frame('no header', 3), 'x')).to.throw(FactError, /wrapper failed \(exit 3\)/);
      const full = /temporary directory on the target \(is its file system full/;
      expect(() => parseCommandResult(frame(''), 'x')).to.throw(FactError, full);
      expect(() => parseCommandResult(frame('', 92), 'x')).to.throw(FactError, /could not keep the command's output/);
      expect(() => parseCommandResult(frame('@@command 0 60 10 0\nshort'), 'x')).to.throw(FactError, /expected 10/);
    });

    it('says which stream could not be kept on the target, with the status the command had', () => {
      expect(() => parseCommandResult(frame('@@command-unspooled stderr 0\n'), 'x')).to.throw(
        FactError,
        /the command ran \(exit 0\), but its stderr could not be kept .*file system full/,
      );
    });

    it('keeps at most the limit of each stream and reports the real size', () => {
      const big = Buffer.alloc(COMMAND_OUTPUT_LIMIT, 0x61);
      const fact = parseCommandResult(framed(0, big, 'e', [COMMAND_OUTPUT_LIMIT + 10, 1]), 'x');
      expect(fact.stdoutBytes).to.equal(COMMAND_OUTPUT_LIMIT + 10);
      expect(fact.stdout.length).to.equal(COMMAND_OUTPUT_LIMIT);
      expect(fact.stderr).to.equal('e');
    });
  });

  describe('judging', () => {
    it('judges exitStatus, stdout and stderr with the value algebra', () => {
      const results = judge(() => {
        command('x')
          .exitStatus(3)
          .not.exitStatus(0)
          .stdout('hello\n')
          .stdout({ contains: 'hell' })
          .stdout(/^hello$/m)
          .stderr({ matches: 'oops' });
        command('x').exitStatus(0).stdout('hello').stderr('');
      }, local('output-and-status'));
      expect(statuses(results)).to.deep.equal([
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'failed',
        'failed',
        'failed',
      ]);
      expect(results[6]!.message).to.match(/exit with status 0, but got 3/);
    });

    it('passes or fails a check that names exit 127 or 126 exactly, and only that one', () => {
      const results = judge(() => {
        command('no-such-command-driftspec')
          .exitStatus(127)
          .not.exitStatus(127)
          .exitStatus({ oneOf: [126, 127] })
          .exitStatus(126);
        command('no-such-command-driftspec')
          .exitStatus({ gt: 100 })
          .not.exitStatus(1)
          .stderr({ contains: 'not found' });
      }, local('not-found'));
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'passed', 'error', 'error', 'error', 'error']);
      expect(results[3]!.message).to.match(/command not found \(exit 127\)/);
    });

    it('makes every check an error on exit 127, negated or not', () => {
      const results = judge(
        () =>
          command('no-such-command-driftspec')
            .not.exitStatus(0)
            .exitStatus(0)
            .not.stdout({ contains: 'x' })
            .not.stdoutJson(),
        local('not-found'),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error', 'error', 'error']);
      expect(results[0]!.message).to.match(/command not found/);
    });

    it('makes stream checks an error past the limit, while the exit status still counts', () => {
      const big = framed(0, Buffer.alloc(COMMAND_OUTPUT_LIMIT, 0x61), '', [COMMAND_OUTPUT_LIMIT + 1, 0]);
      const results = judge(() => command('x').exitStatus(0).not.stdout({ contains: 'secret' }).stderr(''), big);
      expect(statuses(results)).to.deep.equal(['passed', 'error', 'passed']);
      expect(results[1]!.message).to.match(/more than the 1048576-byte limit/);
    });

    it('judges stdoutJson by path and deep equality; not JSON is an error', () => {
      const results = judge(() => {
        command('x')
          .stdoutJson()
          .stdoutJson({ path: 'a.b.1', equals: 2 })
          .stdoutJson({ path: 'a', equals: { b: [1, 2] } })
          .stdoutJson({ path: 's' });
        command('x')
          .stdoutJson({ path: 'a.c' })
          .stdoutJson({ path: 's', equals: 'x' })
          .not.stdoutJson({ path: 'a.b.5' });
      }, local('json'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'failed', 'failed', 'passed']);
      expect(results[4]!.message).to.match(/nothing at a\.c/);
      expect(results[5]!.message).to.match(/"x y"/);
      const notJson = judge(() => command('x').stdoutJson().not.stdoutJson({ path: 'a' }), local('output-and-status'));
      expect(statuses(notJson)).to.deep.equal(['error', 'error']);
    });

    it('walks dot paths and compares JSON values deeply', () => {
      expect(valueAtPath({ a: [{ b: null }] }, 'a.0.b')).to.deep.equal({ found: true, value: null });
      expect(valueAtPath({ a: [] }, 'a.0')).to.deep.equal({ found: false, missing: 'a.0' });
      expect(valueAtPath({ a: 1 }, 'toString')).to.deep.equal({ found: false, missing: 'toString' });
      expect(jsonEquals({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).to.equal(true);
      expect(jsonEquals({ a: 1, b: 2 }, { b: 2, a: 1 })).to.equal(true);
      expect(jsonEquals([1], { 0: 1 })).to.equal(false);
      expect(jsonEquals(1, '1')).to.equal(false);
    });
  });
});
