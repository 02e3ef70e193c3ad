import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { httpResource, parseResponse } from '../../../src/resources/http/index.js';
import type { Request } from '../../../src/resources/http/query.js';
import { createRegistry } from '../../../src/resources/index.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([httpResource]);
const http = resourceFunction(httpResource);
const rec = (name: string) => recordedFrame(`recorded/network/${name}.json`);
const request = (options: Partial<Request> = {}): Request => ({
  url: 'http://127.0.0.1/',
  method: 'GET',
  followRedirects: false,
  insecure: false,
  timeout: 5,
  maxBodyBytes: 65536,
  ...options,
});

describe('http resource', () => {
  for (const tool of ['curl', 'wget'] as const) {
    it(`reads ${tool} as recorded: status, headers and body of the last response`, () => {
      const ok = parseResponse(rec(`http-${tool}-ok`), request());
      expect(ok).to.deep.include({ tool, status: 200, body: 'hello driftspec\n', truncated: false });
      expect(ok.headers).to.include.members(['content-type: text/plain', 'x-driftspec-test: yes']);
      expect(parseResponse(rec(`http-${tool}-404`), request())).to.deep.include({ status: 404, body: 'not found\n' });
      const moved = parseResponse(rec(`http-${tool}-redirect`), request());
      expect(moved.status).to.equal(301);
      expect(moved.headers).to.include('location: /');
      const followed = parseResponse(rec(`http-${tool}-redirect-followed`), request({ followRedirects: true }));
      expect(followed).to.deep.include({ status: 200, body: 'hello driftspec\n' });
      expect(followed.headers).to.not.include('location: /');
      const head = parseResponse(rec(`http-${tool}-head`), request({ method: 'HEAD' }));
      expect(head).to.deep.include({ status: 200, body: '' });
      expect(head.headers).to.include('content-type: application/json; charset=utf-8');
      const big = parseResponse(rec(`http-${tool}-big`), request({ maxBodyBytes: 1000 }));
      expect(big).to.deep.include({ status: 200, truncated: true, body: 'x'.repeat(1000) });
      expect(parseResponse(rec(`http-${tool}-insecure`), request({ insecure: true }))).to.deep.include({ status: 200 });
    });

    it(`${tool}: TLS verification failure, refused connection and timeout are errors`, () => {
      expect(parseError(() => parseResponse(rec(`http-${tool}-self-signed`), request()))).to.match(
        /could not be verified \(set insecure: true/,
      );
      expect(parseError(() => parseResponse(rec(`http-${tool}-refused`), request()))).to.match(
        tool === 'curl' ? /curl exited 7 \(the connection failed\)/ : /wget exited 4/,
      );
      expect(parseError(() => parseResponse(rec(`http-${tool}-timeout`), request({ timeout: 1 })))).to.match(
        tool === 'curl' ? /no answer within the timeout/ : /wget exited 4.*timed out/,
      );
    });
  }

  it('refuses BusyBox wget and says so where there is no client', () => {
    expect(parseError(() => parseResponse(rec('http-busybox-wget'), request()))).to.match(
      /only BusyBox wget.*install curl/,
    );
    expect(parseError(() => parseResponse(rec('http-none'), request()))).to.match(/neither curl nor wget/);
    expect(parseError(() => parseResponse(frame('@@tool curl\n@@exit 0\n@@headers 10\nHTTP/1.1'), request()))).to.match(
      /cut short/,
    );
  });

  it('judges status, headers and body; a cut body is no evidence for a negated check', () => {
    const ok = judgeFrame(
      registry,
      () => {
        http('http://127.0.0.1/').status(200).hasHeader('Content-Type', 'text/plain').body(/hello/);
        http('http://127.0.0.1/').headers({ matches: '^x-driftspec-test: ' });
        http('http://127.0.0.1/').not.body({ matches: 'secret' });
      },
      rec('http-curl-ok'),
    );
    expect(statuses(ok)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'passed']);
    const big = judgeFrame(
      registry,
      () => {
        http('http://127.0.0.1/big', { maxBodyBytes: 1000 }).body(/^x+$/);
        http('http://127.0.0.1/big', { maxBodyBytes: 1000 }).not.body({ matches: 'y' });
      },
      rec('http-curl-big'),
    );
    expect(statuses(big)).to.deep.equal(['passed', 'error']);
    expect(
      resultLines(
        judgeFrame(registry, () => http('https://127.0.0.1/').not.status(500), rec('http-curl-self-signed')),
      )[0],
    ).to.match(/^error: could not check http https:\/\/127\.0\.0\.1\/: requesting .*curl exited 60/);
  });

  it('refuses URLs that are not http(s) or hold blanks', () => {
    for (const bad of ['ftp://x/', '-Ohttp://x', 'http://a b/', 'http://'])
      expect(httpResource.subject.safeParse(bad).success, bad).to.equal(false);
    expect(httpResource.subject.safeParse('https://[::1]:8443/x?y=1').success).to.equal(true);
  });
});
