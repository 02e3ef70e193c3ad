import { expect } from 'chai';
import { once } from 'node:events';
import { createApp } from '../../src/server.js';

describe('hello-app (unit)', () => {
  let server;
  let base;

  before(async () => {
    server = createApp().listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  it('answers /health', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ok' });
  });

  it('greets by name', async () => {
    expect(await (await fetch(`${base}/greeting?name=ops`)).text()).to.equal('hello, ops\n');
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/admin`)).status).to.equal(404);
  });
});
