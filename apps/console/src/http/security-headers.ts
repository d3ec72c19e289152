import type { FastifyInstance } from 'fastify';

/**
 * A strict Content Security Policy: scripts, styles, fonts, images and connections from the console's own
 * origin only (React sets styles through the CSSOM, which CSP does not restrict; `'unsafe-inline'` for
 * styles covers the style attributes charting libraries write), no plugins, no framing, no base-URI change.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/**
 * Security headers on every answer (the API's and the web application's files), and no caching of API
 * answers. Eight fixed headers are a hook of a few lines; helmet's extra knobs would add nothing here.
 */
export function addSecurityHeaders(fastify: FastifyInstance, apiPrefix: string): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    if (request.url.startsWith(apiPrefix)) void reply.header('cache-control', 'no-store');
    return payload;
  });
}
