import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The http resource's test servers: plain HTTP and HTTPS (a self-signed certificate made with
 * openssl for `localhost` and the listening address) with the same routes:
 * `/` 200 "hello driftspec", `/json` 200 with a JSON content type, `/missing` 404,
 * `/moved` 301 to `/`, `/loop` 302 to itself, `/big` 200 with 200 000 bytes, `/slow` answers after 5 s.
 */
export interface TestHttpServers {
  http: string;
  https: string;
  close(): Promise<void>;
}

export const BIG_BODY_BYTES = 200_000;

type Answer = [status: number, headers: Record<string, string>, body: string];

const ANSWERS: Record<string, Answer> = {
  '/': [200, { 'Content-Type': 'text/plain', 'X-Driftspec-Test': 'yes' }, 'hello driftspec\n'],
  '/json': [200, { 'Content-Type': 'application/json; charset=utf-8' }, '{"ok":true}\n'],
  '/moved': [301, { Location: '/' }, 'moved\n'],
  '/loop': [302, { Location: '/loop' }, ''],
  '/big': [200, { 'Content-Type': 'text/plain' }, 'x'.repeat(BIG_BODY_BYTES)],
};
const NOT_FOUND: Answer = [404, { 'Content-Type': 'text/plain' }, 'not found\n'];

function route(request: IncomingMessage, response: ServerResponse): void {
  const send = ([status, headers, body]: Answer) => {
    response.writeHead(status, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.url === '/slow') {
    const timer = setTimeout(() => send([200, {}, 'late\n']), 5000);
    request.socket.once('close', () => clearTimeout(timer));
  } else {
    send(ANSWERS[request.url ?? ''] ?? NOT_FOUND);
  }
}

function selfSignedCertificate(address: string): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-http-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        `subjectAltName=DNS:localhost,IP:${address}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve((server.address() as { port: number }).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Ports 0 (the default) are any free ones; the documentation's examples use fixed ones. */
export async function startHttpServers(
  address = '127.0.0.1',
  ports: { http: number; https: number } = { http: 0, https: 0 },
): Promise<TestHttpServers> {
  const plain = createHttpServer(route);
  const secure = createHttpsServer(selfSignedCertificate(address), route);
  const [httpPort, httpsPort] = [await listen(plain, address, ports.http), await listen(secure, address, ports.https)];
  return {
    http: `http://${address}:${httpPort}`,
    https: `https://${address}:${httpsPort}`,
    close: async () => {
      await Promise.all([closeServer(plain), closeServer(secure)]);
    },
  };
}
