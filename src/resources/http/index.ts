import { z } from 'zod';
import type { ValueExpectation } from '../../matchers/value.js';
import { attribute, defineResource, FactError, type FactQuery } from '../resource.js';
import { parseResponse, type HttpResponse } from './parse.js';
import { requestScript, type Request } from './query.js';

export { parseResponse } from './parse.js';
export { requestScript } from './query.js';

export const DEFAULT_HTTP_TIMEOUT = 10;
export const DEFAULT_MAX_BODY_BYTES = 65_536;

export const HttpOptionsSchema = z
  .object({
    method: z.enum(['GET', 'HEAD'], { error: 'GET or HEAD' }).optional(),
    /** Follow redirects (up to 10); off by default, so a redirect's own status is judged. */
    followRedirects: z.boolean().optional(),
    /** Skip TLS certificate verification (on by default). */
    insecure: z.boolean().optional(),
    /** Seconds the whole request may take (default 10). */
    timeout: z.number().int().positive().max(300).optional(),
    /** Bytes of the body kept for the `body` matcher (default 65536, at most 1 MiB). */
    maxBodyBytes: z.number().int().positive().max(1_048_576).optional(),
  })
  .strict();
export type HttpOptions = z.infer<typeof HttpOptionsSchema>;

export const UrlSchema = z
  .string()
  .regex(/^https?:\/\/[^\s\0-\x1f\x7f]+$/i, 'an http:// or https:// URL without blanks or control characters')
  .refine((url) => {
    try {
      return new URL(url).hostname !== '';
    } catch {
      return false;
    }
  }, 'a URL with a host');

function requestOf(url: string, options: HttpOptions): Request {
  return {
    url,
    method: options.method ?? 'GET',
    followRedirects: options.followRedirects ?? false,
    insecure: options.insecure ?? false,
    timeout: options.timeout ?? DEFAULT_HTTP_TIMEOUT,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
}

function requestQuery(url: string, options: HttpOptions): FactQuery<HttpResponse> {
  const request = requestOf(url, options);
  const { method, followRedirects, insecure, timeout, maxBodyBytes } = request;
  return {
    key: `http:${JSON.stringify([method, followRedirects, insecure, timeout, maxBodyBytes, url])}`,
    script: requestScript(request),
    parse: (frame) => parseResponse(frame, request),
  };
}

export const httpResource = defineResource({
  type: 'http',
  summary:
    'An HTTP(S) request made from the target (curl or GNU wget): status, headers and body; ' +
    'TLS verified and redirects not followed unless asked.',
  subject: UrlSchema,
  options: HttpOptionsSchema,
  title: (url: string) => `http ${url}`,
  facts: { response: (url: string, options: HttpOptions) => requestQuery(url, options) },
  matchers: {
    status: attribute<HttpResponse, number | ValueExpectation>({
      fact: 'response',
      needsRunningSystem: true,
      describe: 'answer with status',
      read: (fact) => fact.status,
    }),
    headers: attribute<HttpResponse, ValueExpectation>({
      fact: 'response',
      needsRunningSystem: true,
      describe: 'answer with headers',
      read: (fact) => fact.headers,
    }),
    body: attribute<HttpResponse, string | ValueExpectation>({
      fact: 'response',
      needsRunningSystem: true,
      describe: 'answer with a body',
      read: (fact, _host, check) => {
        // What is missing from a cut body could be what a negated check says is absent.
        if (fact.truncated && check.negated)
          throw new FactError('the body is longer than maxBodyBytes, so what it lacks cannot be told');
        return fact.body;
      },
    }),
  },
  shortcuts: {
    /** `http(url).hasHeader('Content-Type', /json/)`: a header line `name: value` matching. */
    hasHeader: (name: string, value: string | RegExp) => ({
      matcher: 'headers',
      args: {
        matches: `^${escapeRegExp(name.toLowerCase())}: ${headerValuePattern(value)}`,
      },
    }),
  },
});

/** A RegExp's own source, or the whole value literally. */
function headerValuePattern(value: string | RegExp): string {
  return value instanceof RegExp ? value.source : `${escapeRegExp(value)}$`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
