/**
 * Response headers for every answer: a strict Content-Security-Policy (scripts and styles
 * only from this origin, no inline code, no eval; htmx needs neither with our configuration),
 * no framing, no referrer to other sites, no caching of pages that may show configuration.
 */
import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

export function securityHeaders() {
  const h = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // The appliance's name may later serve the controller with another certificate; HSTS only
    // insists on HTTPS, which the controller also speaks. No includeSubDomains: the domain is
    // the customer's, not ours.
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: false },
    // same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on form posts,
    // which the CSRF check must refuse. Nothing leaves for other sites either way.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: true,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    h(req, res, next);
  };
}
