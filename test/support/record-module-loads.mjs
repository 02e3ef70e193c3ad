// Loaded with `node --import`: appends the URL of every module Node's module loader loads (the
// CLI's own modules, a compiled spec) to the file named by DRIFTSPEC_TEST_MODULE_LOG, one a line.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
let logPath;
export function initialize(path) { logPath = path; }
export async function load(url, context, nextLoad) {
  appendFileSync(logPath, url + '\\n');
  return nextLoad(url, context);
}
`;
if (!process.env.DRIFTSPEC_TEST_MODULE_LOG) throw new Error('DRIFTSPEC_TEST_MODULE_LOG names no file');
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: process.env.DRIFTSPEC_TEST_MODULE_LOG });
