// ETags computed the way S3 computes them, so clients that check them work on the local store too.
import { createHash } from 'node:crypto';

/** A single-part object's ETag: its quoted MD5 in hex. */
export function md5Etag(md5: Buffer): string {
  return `"${md5.toString('hex')}"`;
}

/** A multipart object's ETag: the MD5 of the parts' binary MD5s, then "-" and the part count. */
export function multipartEtag(partEtags: readonly string[]): string {
  const hash = createHash('md5');
  for (const etag of partEtags) hash.update(Buffer.from(unquoteEtag(etag), 'hex'));
  return `"${hash.digest('hex')}-${partEtags.length}"`;
}

/** S3 compares ETags without their quotes; clients send them either way. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/"/g, '');
}
