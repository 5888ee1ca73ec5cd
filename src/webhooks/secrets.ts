// Endpoint secrets: made in the Standard Webhooks form (`whsec_` + base64 of 24 random bytes), kept
// encrypted at rest (signing needs the secret itself, so it cannot be hashed), and used to sign.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
const SEALED = 'v1.';

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

/**
 * AES-256-GCM under a key derived from the server's token secret, so every node sharing the storage
 * can read what another sealed. Changing CAPSTAN_TOKEN_SECRET makes stored secrets unreadable: the
 * endpoints' deliveries then fail until their secrets are rotated.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, 'capstan', 'webhook endpoint secrets', 32));
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The secret, or undefined when it was sealed under another key (or altered). */
  open(sealed: string): string | undefined {
    if (!sealed.startsWith(SEALED)) return undefined;
    const raw = Buffer.from(sealed.slice(SEALED.length), 'base64');
    if (raw.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
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
