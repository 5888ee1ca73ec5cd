// An organizer upload made with an Idempotency-Key. Its body is a stream, so whether a retry is the
// same request is known only once every file has arrived: each file's name, declared type, size and
// SHA-256 are taken as it streams, and the request's fingerprint is their list. The key is recorded
// with the files, in their transaction; a retry whose key is taken gets the first answer and its own
// copies of the files are removed.
import { createHash, type Hash } from 'node:crypto';

export interface UploadKey {
  /** Whose keys they are: the organization's uploads. */
  readonly scope: string;
  readonly key: string;
}

/** One file of the fingerprint, hashed as its bytes go by. */
export interface FileFingerprint {
  update(chunk: Buffer): void;
  finish(size: number): void;
}

export class UploadFingerprint {
  private readonly files: (readonly [string, string | null, number, string])[] = [];

  file(name: string, contentType: string | undefined): FileFingerprint {
    const hash: Hash = createHash('sha256');
    return {
      update: (chunk) => void hash.update(chunk),
      finish: (size) => void this.files.push([name, contentType ?? null, size, hash.digest('hex')]),
    };
  }

  /** The request's hash: the same files in the same order, however they were encoded (multipart or base64). */
  digest(): string {
    return createHash('sha256').update(JSON.stringify(['POST /api/v1/files', this.files])).digest('hex');
  }
}
