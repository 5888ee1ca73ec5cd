// The local-disk blob store of embedded mode: objects and multipart uploads as files under one root,
// with S3's multipart rules, and presigned part URLs that point at Capstan's own upload gateway.
//
// Layout under the root (a key is stored under its SHA-256, so no key can name a path):
//   objects/<h2>/<h>.json          manifest: the commit point of a put (key, size, ETag, type, file)
//   objects/<h2>/<h>.<version>     the bytes of the version the manifest names
//   objects/<h2>/<h>.<version>/<n> or its segments, in order: a completed multipart upload's parts,
//                                  hard links to the parts' files (no copy; segments.ts)
//   uploads/<uploadId>/upload.json the upload (key, content type, initiation time)
//   uploads/<uploadId>/<n>.json    part n's manifest; <n>.<version> its bytes
//   tmp/                           writes in progress; nothing here is referenced
// Bytes go to tmp/ first and are renamed into place; replacing a manifest (also a rename) is the one
// step that makes a write visible, so readers see the old object or the new one, never a mix.
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DependencyUnavailable } from '../util/dependency-unavailable.js';
import { trueWithin } from '../util/time.js';
import { BlobError } from './errors.js';
import { localCall } from './local-errors.js';
import { md5Etag, multipartEtag, unquoteEtag } from './etags.js';
import { KeyedLock } from './keyed-lock.js';
import { inlineMd5, type Md5Digester, type Md5Threads } from './md5-threads.js';
import { isMissing, moveInto, randomName, readJson, writeConcatenation, writeJsonAtomic, writeTemp, type ByteLimit } from './local-files.js';
import type { PartUrlSigner } from './presign.js';
import { readSlices, segmentSlices, type Segment } from './segments.js';
import { checkCompletedParts, checkExpireOptions, checkExpiresIn, checkKey, checkListLimit, checkPartNumber, checkPrefix, checkRange } from './rules.js';
import {
  DEFAULT_MIN_PART_SIZE,
  MAX_LIST_PAGE,
  PING_TIMEOUT_MS,
  type BlobBody,
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type ExpiredUpload,
  type ExpireOptions,
  type ListedObject,
  type ListOptions,
  type ListPage,
  type PartInfo,
  type PutOptions,
  type PutResult,
} from './types.js';

/** Where a version's bytes are, beside its manifest: one file, or segments read in order. */
type VersionFiles = { readonly file: string } | { readonly folder: string; readonly segments: readonly Segment[] };

type ObjectManifest = VersionFiles & {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType?: string;
  readonly lastModified: number;
};

/** The name beside the manifest that holds a version: its file, or its segments' folder. */
const versionName = (version: VersionFiles): string => ('folder' in version ? version.folder : version.file);

interface UploadManifest {
  readonly key: string;
  readonly contentType?: string;
  readonly initiated: number;
}

interface PartManifest {
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
  readonly file: string;
}

export interface LocalPartOptions extends Pick<PutOptions, 'contentLength'> {
  /**
   * Bounds a streamed body (the gateway's part size): the part is refused, and nothing of it kept, as
   * soon as more than that has arrived. The length itself needs no telling: the body is streamed to disk.
   */
  readonly limit?: ByteLimit;
  /**
   * The MD5 the client says it sent (its Content-MD5 header), as S3 checks it: a part whose bytes hash
   * otherwise is refused (BadDigest), and nothing of it kept; a part uploaded before stays as it was.
   */
  readonly contentMd5?: Buffer | undefined;
}

export interface LocalDiskBlobStoreOptions {
  /** Folder that holds everything; Capstan uses <dataDir>/blobs. */
  readonly root: string;
  /** Signs the part URLs handed to clients; the upload gateway verifies them with the same signer. */
  readonly signer: PartUrlSigner;
  readonly minPartSize?: number;
  readonly clock?: () => number;
  /** Streamed bodies are hashed on these threads, not the event loop; the store closes them. */
  readonly md5Threads?: Md5Threads | undefined;
  /** How a completed upload's parts are linked into place (tests stand in a file system without hard links). */
  readonly link?: (existing: string, newPath: string) => Promise<void>;
}

// A file system that cannot hard-link (some network and FUSE mounts) gets a copy of the parts instead.
const NO_HARD_LINKS = new Set(['EPERM', 'EXDEV', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_MANIFEST = /^(\d+)\.json$/;
const SHARD = /^[0-9a-f]{2}$/;
const OBJECT_MANIFEST = /^([0-9a-f]{64})\.json$/;
/** A version beside its manifest: the key's hash, then a random name (randomName()). */
const OBJECT_VERSION = /^([0-9a-f]{64})\.[0-9a-f]{24}$/;
// A reader that loses the race with a put replacing the version it was about to open reads again.
const READ_ATTEMPTS = 3;

export class LocalDiskBlobStore implements BlobStore {
  readonly kind = 'local';
  readonly minPartSize: number;
  readonly signer: PartUrlSigner;
  private readonly tmp: string;
  private readonly objects: string;
  private readonly uploads: string;
  private readonly clock: () => number;
  private readonly lock = new KeyedLock();
  private readonly md5Threads: Md5Threads | undefined;
  private readonly link: (existing: string, newPath: string) => Promise<void>;

  constructor(options: LocalDiskBlobStoreOptions) {
    this.signer = options.signer;
    this.minPartSize = options.minPartSize ?? DEFAULT_MIN_PART_SIZE;
    this.clock = options.clock ?? Date.now;
    this.md5Threads = options.md5Threads;
    this.link = options.link ?? link;
    this.tmp = join(options.root, 'tmp');
    this.objects = join(options.root, 'objects');
    this.uploads = join(options.root, 'uploads');
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<PutResult> {
    return localCall(async () => {
      checkKey(key);
      await this.ensureFolders();
      const temp = await writeTemp(this.tmp, body, { md5: this.md5For(body) });
      return this.commitObject(key, (dir, base) => placeFile(temp.path, dir, base), { size: temp.size, etag: md5Etag(temp.md5), contentType: options.contentType });
    });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    if (range) checkRange(range);
    const { dir, manifest } = this.objectPaths(key);
    for (let attempt = 1; ; attempt++) {
      const object = await readJson<ObjectManifest>(manifest);
      if (!object) throw noSuchKey();
      const bounds = byteBounds(object.size, range);
      try {
        if ('folder' in object) return await readSlices(join(dir, object.folder), segmentSlices(object.segments, bounds.start, bounds.end ?? object.size - 1), replacedWhileRead);
        const handle = await open(join(dir, object.file), 'r');
        return handle.createReadStream(bounds);
      } catch (e) {
        if (!isMissing(e)) throw e;
        if (attempt === READ_ATTEMPTS) throw noSuchKey();
      }
    }
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    checkKey(key);
    const object = await readJson<ObjectManifest>(this.objectPaths(key).manifest);
    if (!object) return undefined;
    return {
      size: object.size,
      etag: object.etag,
      ...(object.contentType === undefined ? {} : { contentType: object.contentType }),
      lastModified: new Date(object.lastModified),
    };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    return localCall(async () => {
      checkKey(key);
      const { dir, manifest } = this.objectPaths(key);
      await this.lock.run(manifest, async () => {
        const object = await readJson<ObjectManifest>(manifest);
        if (!object) return;
        await rm(manifest, { force: true });
        await removeVersion(dir, versionName(object));
      });
    });
  }

  async createMultipart(key: string, contentType?: string): Promise<string> {
    return localCall(async () => {
      checkKey(key);
      await this.ensureFolders();
      const uploadId = randomBytes(16).toString('hex');
      const dir = join(this.uploads, uploadId);
      await mkdir(dir);
      const upload: UploadManifest = { key, ...(contentType === undefined ? {} : { contentType }), initiated: this.clock() };
      await writeJsonAtomic(this.tmp, join(dir, 'upload.json'), upload);
      return uploadId;
    });
  }

  async presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    checkKey(key);
    checkPartNumber(partNumber);
    checkExpiresIn(expiresInSeconds);
    // Like S3's presigning, this is offline: an unknown upload fails when the URL is used.
    return this.signer.sign({ key, uploadId, partNumber }, expiresInSeconds);
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: BlobBody, options: LocalPartOptions = {}): Promise<string> {
    return localCall(async () => {
      checkKey(key);
      checkPartNumber(partNumber);
      // Refuse before reading a possibly large body.
      await this.openUpload(key, uploadId);
      // Straight from the body to a temp file under tmp/ (the same file system), hashed on the way: the
      // ETag is known when the last byte is written, and the rename below is the only other move.
      await this.ensureFolders();
      const temp = await writeTemp(this.tmp, body, { limit: options.limit, md5: this.md5For(body) });
      const etag = md5Etag(temp.md5);
      const dir = join(this.uploads, uploadId);
      const manifestPath = join(dir, `${partNumber}.json`);
      let placed = false;
      try {
        if (options.contentMd5 && !options.contentMd5.equals(temp.md5)) {
          throw new BlobError('BadDigest', 'The Content-MD5 you specified did not match what was received; nothing of this part was kept');
        }
        await this.lock.run(uploadId, async () => {
          // The upload may have been completed or aborted while the body streamed in.
          await this.openUpload(key, uploadId);
          const previous = await readJson<PartManifest>(manifestPath);
          const file = `${partNumber}.${randomName()}`;
          await rename(temp.path, join(dir, file));
          placed = true;
          const part: PartManifest = { etag, size: temp.size, lastModified: this.clock(), file };
          await writeJsonAtomic(this.tmp, manifestPath, part);
          if (previous) await rm(join(dir, previous.file), { force: true });
        });
      } finally {
        if (!placed) await rm(temp.path, { force: true });
      }
      return etag;
    });
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    checkKey(key);
    await this.openUpload(key, uploadId);
    const parts = await this.readParts(uploadId);
    return [...parts]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, part]) => ({ partNumber, etag: part.etag, size: part.size, lastModified: new Date(part.lastModified) }));
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<PutResult> {
    return localCall(async () => {
      checkKey(key);
      checkCompletedParts(parts);
      return this.lock.run(uploadId, async () => {
        const upload = await this.openUpload(key, uploadId);
        const uploaded = await this.readParts(uploadId);
        const chosen = parts.map(({ partNumber, etag }) => {
          const part = uploaded.get(partNumber);
          if (!part || unquoteEtag(part.etag) !== unquoteEtag(etag)) {
            throw new BlobError('InvalidPart', `Part ${partNumber} could not be found: it was not uploaded, or its ETag does not match`);
          }
          return { partNumber, ...part };
        });
        for (const part of chosen.slice(0, -1)) {
          if (part.size < this.minPartSize) {
            throw new BlobError('EntityTooSmall', `Part ${part.partNumber} is ${part.size} bytes; every part but the last must be at least ${this.minPartSize} bytes`);
          }
        }
        const files = chosen.map((part) => ({ path: join(this.uploads, uploadId, part.file), size: part.size }));
        const size = chosen.reduce((sum, part) => sum + part.size, 0);
        const result = await this.commitObject(key, (dir, base) => this.placeParts(files, dir, base), { size, etag: multipartEtag(chosen.map((part) => part.etag)), contentType: upload.contentType });
        await this.removeUpload(uploadId);
        return result;
      });
    });
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    return localCall(async () => {
      checkKey(key);
      await this.lock.run(uploadId, async () => {
        await this.openUpload(key, uploadId);
        await this.removeUpload(uploadId);
      });
    });
  }

  /**
   * Keys are stored under their hash, so objects are examined in hash order and the cursor is the
   * hash of the last one examined: a page reads at most `limit` manifests, whatever the prefix.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = options.limit ?? MAX_LIST_PAGE;
    checkListLimit(limit);
    const after = options.cursor ?? '';
    if (after !== '' && !/^[0-9a-f]{64}$/.test(after)) throw new BlobError('InvalidArgument', 'The list cursor is not one this store handed out');
    await this.ensureFolders();
    const objects: ListedObject[] = [];
    let examined = 0;
    const shards = (await readdir(this.objects)).filter((shard) => SHARD.test(shard) && shard >= after.slice(0, 2)).sort();
    for (const shard of shards) {
      const names = (await readdirIfPresent(join(this.objects, shard)))
        .flatMap((file) => OBJECT_MANIFEST.exec(file)?.[1] ?? [])
        .filter((name) => name > after)
        .sort();
      for (const name of names) {
        // Deleted since the folder was read: nothing to list.
        const object = await readJson<ObjectManifest>(join(this.objects, shard, `${name}.json`));
        if (object?.key.startsWith(prefix)) objects.push({ key: object.key, size: object.size, lastModified: new Date(object.lastModified) });
        if (++examined === limit) return { objects, next: name };
      }
    }
    return { objects };
  }

  async expireAbandoned(olderThanMs: number, options: ExpireOptions): Promise<ExpiredUpload[]> {
    checkExpireOptions(options);
    await this.ensureFolders();
    const cutoff = this.clock() - olderThanMs;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const expired: ExpiredUpload[] = [];
    for (const uploadId of await readdir(this.uploads)) {
      if (expired.length >= limit) break;
      if (!UPLOAD_ID.test(uploadId)) continue;
      const upload = await readJson<UploadManifest>(join(this.uploads, uploadId, 'upload.json'));
      // A folder without its manifest is a create that crashed half-way, under no key: the store's own
      // debris, removed whatever the prefixes. Its age is the folder's.
      if (upload && !options.prefixes.some((prefix) => upload.key.startsWith(prefix))) continue;
      const initiated = upload?.initiated ?? (await timeOf(join(this.uploads, uploadId), 'mtimeMs'));
      if (initiated === undefined || initiated >= cutoff) continue;
      // Completed or aborted meanwhile: nothing was abandoned.
      const removed = await this.lock.run(uploadId, () => this.removeUpload(uploadId));
      if (removed && upload) expired.push({ key: upload.key, uploadId, initiated: new Date(initiated) });
    }
    // Writes that never finished (a crash, a dropped connection mid-part) are abandoned uploads too.
    for (const name of await readdir(this.tmp)) {
      const modified = await timeOf(join(this.tmp, name), 'mtimeMs');
      if (modified !== undefined && modified < cutoff) await rm(join(this.tmp, name), { recursive: true, force: true });
    }
    await this.removeStrayVersions(cutoff);
    return expired;
  }

  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    // A write, not a look: a full disk or a folder turned read-only still lists and stats.
    return trueWithin(timeoutMs, async () => {
      await this.ensureFolders();
      const probe = join(this.tmp, `ping-${randomName()}`);
      try {
        await writeFile(probe, 'ping', { flag: 'wx' });
        return true;
      } finally {
        await rm(probe, { force: true });
      }
    });
  }

  async close(): Promise<void> {
    await this.md5Threads?.close();
  }

  /** Bytes already in memory hash here (a thread hop would cost more); streamed bodies on a thread. */
  private md5For(body: BlobBody): Md5Digester {
    return body instanceof Uint8Array || !this.md5Threads ? inlineMd5() : this.md5Threads.open();
  }

  /**
   * Made on every write that needs them, not once: a folder removed while the server runs (a cleanup
   * script, a volume remounted) comes back with the next write instead of failing every write after.
   * Three mkdir calls that find the folders there cost little beside writing a file.
   */
  private async ensureFolders(): Promise<void> {
    try {
      await Promise.all([this.tmp, this.objects, this.uploads].map((dir) => mkdir(dir, { recursive: true })));
    } catch (e) {
      // A file where one of the folders should be: the disk's state, not the request's.
      throw (e as { code?: unknown }).code === 'EEXIST' ? new DependencyUnavailable('the file store', { cause: e }) : e;
    }
  }

  private objectPaths(key: string): { dir: string; manifest: string; name: string } {
    const name = createHash('sha256').update(key).digest('hex');
    const dir = join(this.objects, name.slice(0, 2));
    return { dir, manifest: join(dir, `${name}.json`), name };
  }

  /**
   * Makes new bytes the object's current version: `place` puts them beside the manifest under names
   * starting with `base`, then the manifest is replaced and the previous version's files removed. The
   * bytes are placed under the key's lock, so the sweep of stray versions never takes one on its way in.
   */
  private async commitObject(key: string, place: (dir: string, base: string) => Promise<VersionFiles>, meta: { size: number; etag: string; contentType: string | undefined }): Promise<PutResult> {
    const { dir, manifest, name } = this.objectPaths(key);
    await this.lock.run(manifest, async () => {
      const placed = await place(dir, `${name}.${randomName()}`);
      let previous: ObjectManifest | undefined;
      try {
        previous = await readJson<ObjectManifest>(manifest);
        const object: ObjectManifest = {
          key,
          size: meta.size,
          etag: meta.etag,
          ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
          lastModified: this.clock(),
          ...placed,
        };
        await writeJsonAtomic(this.tmp, manifest, object);
      } catch (e) {
        await removeVersion(dir, versionName(placed));
        throw e;
      }
      if (previous) await removeVersion(dir, versionName(previous));
    });
    return { etag: meta.etag, size: meta.size };
  }

  /**
   * Removes versions no manifest names, changed before `cutoff`: a process killed between placing new
   * bytes and replacing the manifest, or before it removed the version the manifest named before,
   * leaves one behind, which no read, list or delete reaches. Only names that have no manifest, or
   * more than one version beside it, are looked at closer.
   */
  private async removeStrayVersions(cutoff: number): Promise<void> {
    for (const shard of await readdir(this.objects)) {
      if (!SHARD.test(shard)) continue;
      const dir = join(this.objects, shard);
      const versions = new Map<string, string[]>();
      const manifests = new Set<string>();
      for (const entry of await readdirIfPresent(dir)) {
        const manifestOf = OBJECT_MANIFEST.exec(entry)?.[1];
        if (manifestOf !== undefined) manifests.add(manifestOf);
        const versionOf = OBJECT_VERSION.exec(entry)?.[1];
        if (versionOf !== undefined) versions.set(versionOf, [...(versions.get(versionOf) ?? []), entry]);
      }
      for (const [name, entries] of versions) {
        if (manifests.has(name) && entries.length === 1) continue;
        const manifest = join(dir, `${name}.json`);
        await this.lock.run(manifest, async () => {
          const current = await readJson<ObjectManifest>(manifest);
          for (const entry of entries) {
            if (current && versionName(current) === entry) continue;
            const changed = await timeOf(join(dir, entry), 'ctimeMs');
            if (changed !== undefined && changed < cutoff) await removeVersion(dir, entry);
          }
        });
      }
    }
  }

  /**
   * A completed upload's parts as the version's segments: each part's file gets a second name (a hard
   * link; the upload's own names go with the upload), so nothing is copied. The links are made in a
   * folder under tmp/ and moved in with one rename, so a crash half-way leaves them where expiry
   * sweeps, never beside the manifest. One part is the version's file. Where the file system has no
   * hard links, the parts are copied into one file.
   */
  private async placeParts(parts: readonly { path: string; size: number }[], dir: string, base: string): Promise<VersionFiles> {
    const staging = join(this.tmp, randomName());
    try {
      await mkdir(staging);
      for (const [i, part] of parts.entries()) await this.link(part.path, join(staging, String(i + 1)));
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      if (!NO_HARD_LINKS.has((e as NodeJS.ErrnoException | null)?.code ?? '')) throw e;
      return placeFile(await writeConcatenation(this.tmp, parts.map((part) => part.path)), dir, base);
    }
    if (parts.length === 1) {
      const placed = await placeFile(join(staging, '1'), dir, base);
      await rm(staging, { recursive: true, force: true });
      return placed;
    }
    try {
      await moveInto(staging, join(dir, base));
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    return { folder: base, segments: parts.map((part, i) => ({ file: String(i + 1), size: part.size })) };
  }

  /** The upload, if it exists and belongs to this key: an upload id never reaches another key's upload. */
  private async openUpload(key: string, uploadId: string): Promise<UploadManifest> {
    const upload = UPLOAD_ID.test(uploadId) ? await readJson<UploadManifest>(join(this.uploads, uploadId, 'upload.json')) : undefined;
    if (!upload || upload.key !== key) throw noSuchUpload();
    return upload;
  }

  private async readParts(uploadId: string): Promise<Map<number, PartManifest>> {
    const dir = join(this.uploads, uploadId);
    const parts = new Map<number, PartManifest>();
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (isMissing(e)) throw noSuchUpload();
      throw e;
    }
    for (const name of names) {
      const match = PART_MANIFEST.exec(name);
      if (!match) continue;
      const part = await readJson<PartManifest>(join(dir, name));
      if (part) parts.set(Number(match[1]), part);
    }
    return parts;
  }

  /** Moves the upload's folder out of sight in one rename, then deletes it at leisure. */
  private async removeUpload(uploadId: string): Promise<boolean> {
    const doomed = join(this.tmp, randomName());
    try {
      await rename(join(this.uploads, uploadId), doomed);
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
    await rm(doomed, { recursive: true, force: true });
    return true;
  }
}

/** Inclusive offsets to read; S3's rules: an end past the object is clamped, a start past it is refused. */
function byteBounds(size: number, range: ByteRange | undefined): { start: number; end?: number } {
  if (!range) return { start: 0 };
  if (range.start >= size) throw new BlobError('InvalidRange', `The requested range starts at ${range.start} but the object is ${size} bytes`);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

const noSuchKey = (): BlobError => new BlobError('NoSuchKey', 'The specified key does not exist');
const replacedWhileRead = (): BlobError => new BlobError('NoSuchKey', 'The object was replaced or deleted while it was being read');

/** Moves a finished temp file in as the version's one file; the temp file is removed if that fails. */
async function placeFile(tempPath: string, dir: string, base: string): Promise<VersionFiles> {
  try {
    await moveInto(tempPath, join(dir, base));
  } catch (e) {
    await rm(tempPath, { force: true });
    throw e;
  }
  return { file: base };
}

/** Removes a version's file or its segments' folder. */
async function removeVersion(dir: string, name: string): Promise<void> {
  await rm(join(dir, name), { recursive: true, force: true });
}

const noSuchUpload = (): BlobError =>
  new BlobError('NoSuchUpload', 'The specified upload does not exist: the upload id may be invalid, or the upload may have been aborted or completed');

async function readdirIfPresent(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

/**
 * An entry's time, or undefined once it is gone: `mtimeMs` when its content was last written, `ctimeMs`
 * when it last changed, moves and new links included (a version moved in is new).
 */
async function timeOf(path: string, which: 'mtimeMs' | 'ctimeMs'): Promise<number | undefined> {
  try {
    return (await stat(path))[which];
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}
