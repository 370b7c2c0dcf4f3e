// Signing webhook deliveries (docs/api.md §11): HMAC-SHA256 over "<timestamp>.<body>" with the subscription's
// secret, sent as `x-coupond-signature: t=<unix seconds>,v1=<hex>`. The timestamp lets receivers refuse
// replays; README "Notifications and webhooks" shows how to verify.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-coupond-signature';
/** A receiver should refuse a signature older than this (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function signPayload(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Checks a signature header against a body, in constant time, within the replay tolerance. */
export function verifySignature(secret: string, body: string, header: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS || !parts.v1)
    return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
