import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';

/**
 * The web chat page and the Web Chat bundle, served from the project itself (no CDN).
 * The page has no inline scripts, so this policy can stay strict; Web Chat injects its own
 * <style> elements, which is why styles allow 'unsafe-inline'.
 */
export const WEB_CHAT_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

export interface WebRouterOptions {
  /** The page's Content-Security-Policy; false when the server sets one itself (e.g. helmet). */
  contentSecurityPolicy?: string | false;
}

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
const webChatBundle = path.join(
  path.dirname(createRequire(import.meta.url).resolve('botframework-webchat')),
  '../dist/webchat.js',
);

export function createWebRouter(options: WebRouterOptions = {}): Router {
  const csp = options.contentSecurityPolicy ?? WEB_CHAT_PAGE_CSP;
  const router = Router();

  router.get(['/', '/index.html'], (_req, res, next) => {
    if (csp) res.setHeader('Content-Security-Policy', csp);
    send(res, path.join(webDir, 'index.html'), 'no-cache', next);
  });
  router.get('/chat.js', (_req, res, next) => send(res, path.join(webDir, 'chat.js'), 'no-cache', next));
  router.get('/webchat/webchat.js', (_req, res, next) => send(res, webChatBundle, 'public, max-age=86400', next));
  return router;
}

function send(res: Response, file: string, cacheControl: string, next: (error?: unknown) => void): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.sendFile(file, { headers: { 'Cache-Control': cacheControl } }, (error) => {
    if (error) next(error);
  });
}
