import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The service: GET /health answers {"status":"ok"}, GET /greeting?name=… a greeting. */
export function createApp() {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    if (request.method === 'GET' && url.pathname === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end('{"status":"ok"}\n');
    }
    if (request.method === 'GET' && url.pathname === '/greeting') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return response.end(`hello, ${url.searchParams.get('name') ?? 'world'}\n`);
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    return response.end('not found\n');
  });
}

/** The port from the config file the deployment writes (`{ "port": 8080 }`), 8080 without one. */
export function configuredPort(path = process.env.HELLO_APP_CONFIG ?? '/etc/hello-app/config.json') {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).port ?? 8080;
  } catch (error) {
    if (error.code === 'ENOENT') return 8080;
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = configuredPort();
  createApp().listen(port, () => console.log(`hello-app listening on ${port}`));
}
