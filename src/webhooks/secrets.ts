// Endpoint secrets: made in the Standard Webhooks form (`whsec_` + base64 of 24 random bytes), kept
// encrypted at rest (signing needs the secret itself, so it cannot be hashed), and used to sign.
import { createHmac, randomBytes } from 'node:crypto';
import { SecretBox } from '../util/secret-box.js';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

/**
 * The box endpoint secrets are sealed in. Its purpose string is fixed: another would leave every
 * stored secret unreadable. Changing CAPSTAN_TOKEN_SECRET does the same: the endpoints' deliveries
 * then fail until their secrets are rotated.
 */
export function webhookSecretBox(serverSecret: string): SecretBox {
  return new SecretBox(serverSecret, 'webhook endpoint secrets');
}

/**
 * The webhook-signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret,
 * space-separated, so a receiver holding either secret of a rotation verifies.
 */
export function signatureHeader(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
      return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
    })
    .join(' ');
}
