// Secrets that must be read back (not hashed) are kept encrypted at rest: AES-256-GCM under a key
// derived from the server's token secret, one key per purpose, so every node sharing the storage can
// read what another sealed.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const SEALED = 'v1.';

/**
 * Seals and opens values under the key HKDF derives from `serverSecret` for `purpose` (the HKDF info:
 * changing it for a purpose makes what was sealed for it unreadable). Changing CAPSTAN_TOKEN_SECRET
 * makes every sealed value unreadable.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, 'capstan', purpose, 32));
  }

  /** True when `value` has the sealed form (whichever key sealed it). */
  static isSealed(value: string): boolean {
    return value.startsWith(SEALED);
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The secret, or undefined when it was sealed under another key (or altered). */
  open(sealed: string): string | undefined {
    if (!SecretBox.isSealed(sealed)) return undefined;
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
