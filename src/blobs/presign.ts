// Presigned part URLs for the local store: what S3's SigV4 query signing is to a bucket, an
// HMAC-SHA256 over (key, upload id, part number, expiry) is to Capstan's own upload gateway.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const GATEWAY_PATH = '/uploads/parts';

export interface PartRef {
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
}

export interface SignedPartQuery extends PartRef {
  /** Unix seconds after which the URL is refused. */
  readonly expires: number;
  readonly signature: string;
}

export type PartUrlVerdict = { readonly ok: true; readonly part: PartRef } | { readonly ok: false; readonly reason: 'bad_signature' | 'expired' };

export interface PartUrlSignerOptions {
  /** Any secret of at least 32 characters; a key for this one purpose is derived from it. */
  readonly secret: string;
  /** Base URL the gateway is reached at; a function because the port may be known only after listen. */
  readonly publicUrl: () => string;
  readonly now?: () => number;
}

const SIGNATURE_BYTES = 32;

export class PartUrlSigner {
  private readonly key: Buffer;
  private readonly publicUrl: () => string;
  private readonly now: () => number;

  constructor(options: PartUrlSignerOptions) {
    if (options.secret.length < 32) throw new Error('The upload URL signing secret must be at least 32 characters');
    // Derived, so the secret can be shared with other signers (e.g. the token secret) without a
    // signature made for one purpose ever verifying for another.
    this.key = createHmac('sha256', options.secret).update('capstan/upload-part-url/v1').digest();
    this.publicUrl = options.publicUrl;
    this.now = options.now ?? Date.now;
  }

  sign(part: PartRef, expiresInSeconds: number): string {
    const expires = Math.floor(this.now() / 1000) + expiresInSeconds;
    // Resolved relative to publicUrl so a path prefix (Capstan served under /capstan/) is kept.
    const url = new URL(GATEWAY_PATH.slice(1), withTrailingSlash(this.publicUrl()));
    url.search = new URLSearchParams({
      key: part.key,
      uploadId: part.uploadId,
      partNumber: String(part.partNumber),
      expires: String(expires),
      signature: this.mac({ ...part, expires }).toString('base64url'),
    }).toString();
    return url.toString();
  }

  /** Checks the signature in constant time, then the expiry; tells which one failed. */
  verify(query: SignedPartQuery): PartUrlVerdict {
    const expected = this.mac(query);
    const given = Buffer.from(query.signature, 'base64url');
    if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
    if (Math.floor(this.now() / 1000) > query.expires) return { ok: false, reason: 'expired' };
    return { ok: true, part: { key: query.key, uploadId: query.uploadId, partNumber: query.partNumber } };
  }

  private mac(fields: PartRef & { readonly expires: number }): Buffer {
    // A JSON array is an unambiguous encoding: no choice of key can shift bytes into another field.
    const message = JSON.stringify(['PUT', GATEWAY_PATH, fields.key, fields.uploadId, fields.partNumber, fields.expires]);
    return createHmac('sha256', this.key).update(message).digest();
  }
}

const withTrailingSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
