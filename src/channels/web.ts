import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';

/**
 * The web chat page, the embeddable widget (`/widget.js` + `/widget.css`) and the Web Chat bundle,
 * all served from the project itself (no CDN).
 *
 * Content-Security-Policy: scripts only from this server, never inline. Styles only from this
 * server, plus empty <style> elements: Web Chat (and react-scroll-to-bottom inside it) style
 * with emotion, which in its production build appends an EMPTY <style> element and then adds
 * rules through the CSSOM (`insertRule`), which a CSP does not govern. The hash of the empty
 * string allows exactly those empty elements and nothing with content, so no 'unsafe-inline'
 * and no per-response nonce is needed (Web Chat 4.18 passes a nonce to its own emotion sheet but
 * not to react-scroll-to-bottom's, so a nonce alone would not do). Styles React sets go through
 * the CSSOM too.
 */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/** The directives of the policy on every response. */
export const CONTENT_SECURITY_POLICY_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", EMPTY_STYLE_HASH],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'media-src': ["'self'", 'data:', 'blob:'],
  // 'self' covers ws:/wss: to this host (CSP Level 3): the Direct Line stream.
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'self'"],
};

export const WEB_CHAT_PAGE_CSP = Object.entries(CONTENT_SECURITY_POLICY_DIRECTIVES)
  .map(([name, values]) => `${name} ${values.join(' ')}`)
  .join('; ');

export interface WebRouterOptions {
  /** Whether this router sets the page's Content-Security-Policy (default true); false when the app does (helmet). */
  contentSecurityPolicy?: boolean;
}

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
const webChatBundle = path.join(
  path.dirname(createRequire(import.meta.url).resolve('botframework-webchat')),
  '../dist/webchat.js',
);

/** Scripts and styles that council pages load from here: no-cors requests, so CORP must allow them. */
const EMBEDDABLE = { 'Cross-Origin-Resource-Policy': 'cross-origin' };

export function createWebRouter(options: WebRouterOptions = {}): Router {
  const setsPolicy = options.contentSecurityPolicy ?? true;
  const router = Router();

  router.get(['/', '/index.html'], (_req, res, next) => {
    if (setsPolicy) res.setHeader('Content-Security-Policy', WEB_CHAT_PAGE_CSP);
    send(res, path.join(webDir, 'index.html'), 'no-cache', next);
  });
  router.get('/chat.js', (_req, res, next) => send(res, path.join(webDir, 'chat.js'), 'no-cache', next));
  router.get('/chat-extras.js', (_req, res, next) =>
    send(res, path.join(webDir, 'chat-extras.js'), 'no-cache', next, EMBEDDABLE),
  );
  router.get('/chat.css', (_req, res, next) => send(res, path.join(webDir, 'chat.css'), 'no-cache', next));
  router.get('/widget.js', (_req, res, next) => send(res, path.join(webDir, 'widget.js'), 'no-cache', next, EMBEDDABLE));
  router.get('/widget.css', (_req, res, next) => send(res, path.join(webDir, 'widget.css'), 'no-cache', next, EMBEDDABLE));
  router.get('/webchat/webchat.js', (_req, res, next) =>
    send(res, webChatBundle, 'public, max-age=86400', next, EMBEDDABLE),
  );
  return router;
}

function send(
  res: Response,
  file: string,
  cacheControl: string,
  next: (error?: unknown) => void,
  headers: Record<string, string> = {},
): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.sendFile(file, { headers: { 'Cache-Control': cacheControl, ...headers } }, (error) => {
    if (error) next(error);
  });
}
