// The files the reference pages load, all served by Capstan so the pages work with no network: the
// renderers' bundles, read once from their installed packages, and the scripts that start them. Only
// these names exist; a request names an entry of this table, never a path on disk.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ASYNCAPI_BOOT, REDOC_BOOT } from './boot-scripts.js';

export interface DocsAsset {
  readonly body: Buffer;
  readonly type: string;
  /** Strong validator: a hash of the bytes. */
  readonly etag: string;
}

const resolvePackageFile = createRequire(import.meta.url).resolve;
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * Redoc's menu footer shows a logo loaded from its CDN, with no option to turn it off. With an empty
 * src the image fails at once without a request, and Redoc's own error handler then drops it.
 */
const REDOC_LOGO = 'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"';
function withoutRemoteLogo(bundle: Buffer): Buffer {
  return Buffer.from(bundle.toString('utf8').replace(REDOC_LOGO, 'src:""'));
}

const SOURCES = {
  'redoc.standalone.js': { type: JS, read: () => withoutRemoteLogo(readFileSync(resolvePackageFile('redoc/bundles/redoc.standalone.js'))) },
  'asyncapi.standalone.js': { type: JS, read: () => readFileSync(resolvePackageFile('@asyncapi/react-component/browser/standalone/index.js')) },
  'asyncapi.css': { type: CSS, read: () => readFileSync(resolvePackageFile('@asyncapi/react-component/styles/default.min.css')) },
  'reference.js': { type: JS, read: () => Buffer.from(REDOC_BOOT) },
  'realtime.js': { type: JS, read: () => Buffer.from(ASYNCAPI_BOOT) },
} as const satisfies Record<string, { readonly type: string; readonly read: () => Buffer }>;

export type DocsAssetName = keyof typeof SOURCES;

const isAssetName = (name: string): name is DocsAssetName => Object.hasOwn(SOURCES, name);
const loaded = new Map<DocsAssetName, DocsAsset>();

/** Read on first use: the bundles are megabytes, and a server whose docs nobody opens never reads them. */
function load(name: DocsAssetName): DocsAsset {
  let asset = loaded.get(name);
  if (!asset) {
    const body = SOURCES[name].read();
    asset = { body, type: SOURCES[name].type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    loaded.set(name, asset);
  }
  return asset;
}

/** The asset a request names, or undefined for any other name (a path, a traversal, a typo). */
export function docsAsset(name: string): DocsAsset | undefined {
  return isAssetName(name) ? load(name) : undefined;
}

/**
 * Where a page links an asset, relative to the page (`up` leads from the page to the server's root). The
 * query names the content, so a new bundle after an upgrade is a new URL and the asset can be cached for good.
 */
export function assetHref(name: DocsAssetName, up: string): string {
  return `${up}docs/assets/${name}?v=${load(name).etag.slice(1, 13)}`;
}

/** True when the client's cached copy (If-None-Match) is this asset. */
export function isFresh(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
