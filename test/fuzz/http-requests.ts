// Random and mutated HTTP requests against the routes the server publishes: the method, every path
// parameter, the query string, the headers (credentials above all), the body and, for requests a
// normal client would refuse to send, the framing itself.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ADMIN_TOKEN } from '../helpers/server.js';
import { jsonBody, notJson, valueOf, type IdsOf, type JsonSchema } from './json-bodies.js';
import { credentialPool, ID_KIND_OF, type IdKind, type Tenant } from './tenants.js';
import { WITNESS_ADDRESS } from './witnesses.js';

export interface RouteTemplate {
  readonly method: string;
  /** OpenAPI style: /hubs/{hub_id}/spaces. */
  readonly path: string;
  readonly query: readonly { readonly name: string; readonly schema: JsonSchema }[];
  readonly body: JsonSchema | undefined;
}

/**
 * How the request goes on the wire: `client` through undici (which refuses some requests, and then
 * they go raw as they are), the others over a bare socket, framed or misframed as named.
 */
export type Framing =
  | 'client'
  | 'raw'
  | 'length-short'
  | 'length-long'
  | 'chunked'
  | 'chunked-bad'
  | 'length-and-chunked'
  | 'two-lengths'
  | 'bare-lf'
  | 'no-host'
  | 'http10'
  | 'header-stall'
  | 'expect-continue'
  | 'bad-header-name'
  | 'garbage-before';

export interface FuzzRequest {
  readonly method: string;
  /** Path and query exactly as sent. */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer | undefined;
  readonly framing: Framing;
}

interface OpenApi {
  readonly paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: JsonSchema }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
}

/** Routes the OpenAPI document leaves out: operational ones, the upload gateway, the WebSocket paths. */
const UNLISTED: readonly RouteTemplate[] = [
  ...['/healthz', '/readyz', '/metrics', '/version', '/docs', '/openapi.json'].map((path) => ({ method: 'GET', path, query: [], body: undefined })),
  { method: 'PUT', path: '/uploads/parts', query: [], body: undefined },
  { method: 'GET', path: '/ws/status', query: [{ name: 'token', schema: { type: 'string' } }, { name: 'recent', schema: { type: 'string' } }], body: undefined },
  { method: 'GET', path: '/api/v1/ws/{client_id}', query: [{ name: 'token', schema: { type: 'string' } }], body: undefined },
];

export function routesOf(doc: OpenApi): RouteTemplate[] {
  const listed = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      body: op.requestBody?.content?.['application/json']?.schema,
    })),
  );
  const seen = new Set(listed.map((r) => `${r.method} ${r.path}`));
  return [...listed, ...UNLISTED.filter((r) => !seen.has(`${r.method} ${r.path}`))];
}

export interface RequestPools {
  readonly own: Tenant;
  readonly other: Tenant;
  /** Whether fuzzed requests may use the real admin token (never when its rate budget must last). */
  readonly adminToken: boolean;
}

/** Percent-encodes every byte outside the unreserved set; lone surrogates become U+FFFD first. */
const percentEncode = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const ID_PREFIX: Readonly<Record<IdKind, string>> = {
  org: 'org', key: 'key', app: 'app', hub: 'hub', contact: 'ct', segment: 'seg', space: 'sp', discussion: 'disc', conversation: 'conv', message: 'msg', file: 'file', job: 'job', video: 'abcdefghijkl', upload: 'up', document: 'doc',
};

const alnum = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: 20, maxLength: 20 });

const SEGMENT_GARBAGE = [
  '', '.', '..', '%2e%2e', '%2E%2E%2F..', '%ff', '%', '%zz', '%0', '%00', '%0d%0a', '%2f', 'a%2fb', '%20', '%C0%AE', '%e2%80%ae', '%F0%9F%98%80',
  percentEncode('ünïcødé'), percentEncode("'; DROP TABLE orgs; --"), '{id}', ':id', '*', '~', 'null', 'undefined', '0', '-1', 'NaN', '__proto__', 'constructor',
  'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(100), 'a'.repeat(101), 'a'.repeat(5000),
];

/** A UUIDv7 for `msAgo` milliseconds before now (negative: from the future). */
function uuidV7(msAgo: number, tail: string): string {
  const hex = Math.max(0, Date.now() - msAgo).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${tail.slice(0, 3)}-8${tail.slice(3, 6)}-${tail.slice(6, 18).padEnd(12, '0')}`;
}

const hexTail = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 18, maxLength: 18 });

const cursor = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 60_000 }), hexTail).map(([ago, tail]) => uuidV7(ago, tail)),
  hexTail.map((tail) => uuidV7(-3_600_000, tail)),
  hexTail.map((tail) => uuidV7(3_600_000, tail)),
  fc.uuid(),
  fc.constantFrom('', '0', 'not-a-cursor', '00000000-0000-7000-8000-000000000000', 'ffffffff-ffff-7fff-bfff-ffffffffffff', 'x'.repeat(5000)),
);

const QUERY_INTEGER_JUNK = ['', '-1', '0', '1.5', '1e3', '1e308', '-1e308', '0x10', ' 7', '+7', '1.0', '9'.repeat(16), '9'.repeat(17), '99999999999999999999', 'abc', 'NaN', 'Infinity', '%ff', 'true', '[]'];

export function requestArbitrary(routes: readonly RouteTemplate[], pools: RequestPools): fc.Arbitrary<FuzzRequest> {
  const { own, other } = pools;
  const ids: IdsOf = (kind) => {
    const mine = own.ids[kind];
    const theirs = other.ids[kind];
    return fc.oneof(
      { weight: mine.length > 0 ? 6 : 0, arbitrary: mine.length > 0 ? fc.constantFrom(...mine) : fc.constant('') },
      { weight: theirs.length > 0 ? 2 : 0, arbitrary: theirs.length > 0 ? fc.constantFrom(...theirs) : fc.constant('') },
      { weight: 1, arbitrary: alnum.map((s) => `${ID_PREFIX[kind]}_${s}`) },
    );
  };
  const paramValue = (name: string): fc.Arbitrary<string> => {
    const kind = ID_KIND_OF[name];
    const valid =
      name === 'hub_id' ? fc.oneof({ weight: 8, arbitrary: fc.constant(own.hubId) }, { weight: 1, arbitrary: fc.constant(other.hubId) })
        : name === 'client_id' ? fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/)
          : name === 'reaction' ? fc.constantFrom('thumbsup', '+1', 'heart')
            : kind ? ids(kind).map(percentEncode) : fc.string({ maxLength: 10 }).map(percentEncode);
    return fc.oneof(
      { weight: 14, arbitrary: valid },
      { weight: 2, arbitrary: fc.constantFrom(...SEGMENT_GARBAGE) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(percentEncode) },
    );
  };
  const path = (template: string): fc.Arbitrary<string> => {
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
    const suffix = fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/', '//', '/extra', '?', '#frag', '/..', '/%2e%2e/admin', '/.') });
    return fc.tuple(...names.map(paramValue), suffix).map((values) => {
      let i = 0;
      const filled = template.replace(/\{\w+\}/g, () => values[i++] ?? '');
      return filled + (values[names.length] ?? '');
    });
  };

  const queryValue = (name: string, schema: JsonSchema): fc.Arbitrary<string> => {
    if (name === 'token') return fc.constantFrom(own.realtimeToken, own.apiKey, other.realtimeToken, own.memberToken, 'rt_garbage', '', 'x'.repeat(5000)).map(encodeURIComponent);
    if (name === 'hub_id') return fc.constantFrom(own.hubId, other.hubId, '', 'hub_nope', '%ff', 'a'.repeat(65));
    if (name === 'last_event_id') return cursor.map(encodeURIComponent);
    const kind = ID_KIND_OF[name];
    const valid = schema.type === 'integer' ? fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 1000) }).map(String)
      : schema.type === 'boolean' ? fc.constantFrom('true', 'false')
        : kind ? ids(kind)
          : name === 'recent' ? fc.constantFrom('1', '10', '100', '101', '0', '-1', 'abc')
            : valueOf(schema.type === 'array' && schema.items ? schema.items : schema, ids).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return fc.oneof({ weight: 3, arbitrary: valid.map(percentEncode) }, { weight: 1, arbitrary: fc.constantFrom(...QUERY_INTEGER_JUNK) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode) });
  };
  const query = (route: RouteTemplate): fc.Arbitrary<string> => {
    const documented = route.query.map((q) => fc.option(fc.array(queryValue(q.name, q.schema), { minLength: 1, maxLength: 3 }).map((values) => values.map((v) => `${q.name}=${v}`)), { freq: 3 }));
    const extra = fc.array(fc.tuple(fc.string({ maxLength: 8 }).map(percentEncode), fc.string({ maxLength: 8 }).map(percentEncode)).map(([k, v]) => `${k}=${v}`), { maxLength: 3 });
    const many = fc.oneof({ weight: 30, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.constantFrom(10_000, 3000).map((n) => Array.from({ length: n }, (_, i) => `p${i % 50}=${i}`)) });
    return fc.tuple(fc.tuple(...documented), extra, many, fc.constantFrom('', '', '', '&', '&&', '=', '%ff', ';')).map(([doc, ex, lots, tail]) => {
      const parts = [...doc.flatMap((d) => d ?? []), ...ex, ...lots];
      return parts.length === 0 && tail === '' ? '' : `?${parts.join('&')}${tail}`;
    });
  };

  /** The credential this route's surface takes, from the fuzzed tenant: it gets requests past authentication. */
  const fitting = (route: RouteTemplate): readonly [string, string][] => {
    const p = route.path;
    if (p.startsWith('/admin/')) return pools.adminToken ? [['authorization', `Bearer ${ADMIN_TOKEN}`]] : [];
    if (p.startsWith('/hubs/') || p.startsWith('/realtime/')) return [['authorization', `Bearer ${own.memberToken}`]];
    if (p.startsWith('/api/developer/sdk/')) return [['authorization', `Bearer ${own.publicKey}`]];
    if (p.startsWith('/api/developer/')) return [['authorization', `Bearer ${own.secretKey}`]];
    if (p.startsWith('/api/v1/') || ['/upload', '/status', '/documents', '/credits', '/ws/token'].some((x) => p.startsWith(x))) return [['capout-api-key', own.apiKey]];
    return [];
  };
  const pool = credentialPool(own, other, { admin: pools.adminToken });
  const credentials = (route: RouteTemplate): fc.Arbitrary<[string, string][]> => {
    const fit = fitting(route).map(([k, v]): [string, string] => [k, v]);
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant(fit) },
      { weight: 2, arbitrary: fc.subarray([...pool], { maxLength: 2 }).map((xs) => xs.map(([k, v]): [string, string] => [k, v])) },
      { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
    );
  };

  /** The header one time in `oneIn`. */
  const optionalHeader = (name: string, values: fc.Arbitrary<string>, oneIn = 6): fc.Arbitrary<[string, string][]> =>
    fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: values.map((v): [string, string][] => [[name, v]]) });
  const headerName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&\'*+.^`|~'), minLength: 1, maxLength: 20 });
  const extraHeaders = fc.tuple(
    optionalHeader('idempotency-key', fc.oneof(fc.uuid(), fc.constantFrom('fuzz-key-1', 'fuzz-key-2', '', ' ', 'a'.repeat(255), 'a'.repeat(256), 'key with space', 'ключ', '\t', 'a\u0000b'))),
    optionalHeader('last-event-id', cursor),
    optionalHeader('range', fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=5-', 'bytes=0-0', 'bytes=999999999-', 'bytes=0-0,5-6', 'bytes=abc', 'bytes=1e3-', 'bytes=-0', 'bytes=99999999999999999999999-', 'bytes=5-1', 'items=0-1', '')),
    optionalHeader('origin', fc.constantFrom('https://evil.example', 'null', 'http://localhost', 'http://localhost:8000', '*', 'garbage'), 10),
    optionalHeader('x-request-id', fc.constantFrom('fuzz-1', 'a'.repeat(129), '!!', ''), 10),
    optionalHeader('x-forwarded-for', fc.constantFrom('203.0.113.7', 'garbage', '::1', '10.0.0.1, 203.0.113.9', 'unknown', Array.from({ length: 200 }, (_, i) => `198.51.100.${i % 250}`).join(', ')).filter((v) => !v.includes(WITNESS_ADDRESS)), 10),
    optionalHeader('accept', fc.constantFrom('text/event-stream', '*/*', 'application/xml', 'text/html'), 10),
    optionalHeader('content-encoding', fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'gzip, gzip', 'x-garbage'), 12),
    fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(headerName, fc.string({ unit: 'grapheme-ascii', maxLength: 40 })), { minLength: 1, maxLength: 3 }) }),
    fc.oneof({ weight: 25, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.constantFrom(4_000, 15_000, 16_400, 40_000, 70_000).map((n) => [['x-huge', 'h'.repeat(n)]] as [string, string][]) }),
    fc.oneof(
      { weight: 30, arbitrary: fc.constant<[string, string][]>([]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('13', '8', 'x').map((version) => [['upgrade', 'websocket'], ['connection', 'Upgrade'], ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['sec-websocket-version', version]] as [string, string][]),
      },
    ),
  ).map((groups) => groups.flat() as [string, string][]);

  const CONTENT_TYPES = ['application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json;charset=UTF-16', 'Application/JSON', 'application/json;', 'application/json; boundary=x', 'application/vnd.api+json', 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=zzz', 'application/octet-stream', '', 'garbage', '*/*'];
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(undefined) });

  const body = (route: RouteTemplate): fc.Arbitrary<{ bytes: Buffer | undefined; type: string | undefined }> => {
    if (route.method === 'POST' && route.path === '/api/v1/files') {
      return fc.oneof(
        multipartBody,
        jsonBody({ type: 'object', properties: { name: { type: 'string' }, content_base64: { type: 'string' }, content_type: { type: 'string' } }, required: ['name', 'content_base64'] }, ids).map((bytes) => ({ bytes, type: 'application/json' })),
      );
    }
    if (route.path === '/uploads/parts') return fc.record({ bytes: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)), type: fc.constantFrom(undefined, 'application/octet-stream', 'video/mp4') });
    const json = route.body ? jsonBody(route.body, ids) : notJson;
    return fc.oneof(
      { weight: route.body ? 6 : 1, arbitrary: fc.record({ bytes: json, type: contentType }) },
      { weight: route.body ? 1 : 4, arbitrary: fc.constant({ bytes: undefined, type: undefined }) },
      { weight: 1, arbitrary: fc.record({ bytes: fc.constantFrom(1_100_000, 70_000).map((n) => Buffer.from(JSON.stringify({ name: 'x'.repeat(n) }))), type: fc.constant('application/json') }) },
    );
  };

  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  const method = (route: RouteTemplate) =>
    fc.oneof(
      { weight: 20, arbitrary: fc.constant(route.method) },
      { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
      { weight: 1, arbitrary: fc.constantFrom('get', 'PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'TRACE', 'CONNECT', 'FOO', 'M-SEARCH', 'GET / HTTP/1.1') },
    );

  const FRAMINGS: Framing[] = ['raw', 'length-short', 'length-long', 'chunked', 'chunked-bad', 'length-and-chunked', 'two-lengths', 'bare-lf', 'no-host', 'http10', 'expect-continue', 'bad-header-name', 'garbage-before'];
  const framing = fc.oneof({ weight: 40, arbitrary: fc.constant<Framing>('client') }, { weight: 12, arbitrary: fc.constantFrom(...FRAMINGS) }, { weight: 1, arbitrary: fc.constant<Framing>('header-stall') });

  return fc.constantFrom(...routes).chain((route) =>
    fc.record({
      method: method(route),
      path: path(route.path),
      query: query(route),
      credentials: credentials(route),
      extra: extraHeaders,
      body: body(route),
      framing,
    }).map(({ method: m, path: p, query: q, credentials: creds, extra, body: b, framing: f }): FuzzRequest => {
      const headers: [string, string][] = [...creds, ...extra];
      let bytes = b.bytes;
      if (b.type !== undefined) headers.push(['content-type', b.type]);
      // A gzip claim is honest half of the time: the server must refuse it either way, or read it right.
      const encoding = headers.find(([k]) => k === 'content-encoding');
      if (encoding?.[1] === 'gzip' && bytes !== undefined && bytes.length % 2 === 0) bytes = gzipSync(bytes);
      return { method: m, target: p + q, headers, body: bytes, framing: f };
    }),
  );
}

/** multipart/form-data bodies for the organizer upload, well-formed or broken in the ways parsers trip on. */
const multipartBody: fc.Arbitrary<{ bytes: Buffer; type: string | undefined }> = fc
  .record({
    boundary: fc.constantFrom('fuzzboundary', 'x', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'a'.repeat(70), 'a'.repeat(71), 'with space'),
    declared: fc.constantFrom('same', 'same', 'same', 'quoted', 'other', 'missing'),
    parts: fc.array(
      fc.record({
        name: fc.constantFrom('file', 'files[]', '', 'x"y', 'ünï'),
        filename: fc.option(fc.constantFrom('a.txt', '', '.', '..', '../../etc/passwd', 'dir/a.pdf', 'ünïcødé.txt', 'a\\b.txt', 'x'.repeat(300), 'a\u0000b'), { freq: 4 }),
        extended: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("UTF-8''%ff", "UTF-8''ok.txt", "utf-8''%E2%82%AC.txt") }),
        type: fc.option(fc.constantFrom('text/plain', 'application/pdf', 'x'), { freq: 2 }),
        content: fc.oneof(fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)), fc.constantFrom(Buffer.alloc(0), Buffer.from('%PDF-1.4\n%%EOF\n'), Buffer.from('--fuzzboundary'))),
        extraHeader: fc.oneof({ weight: 10, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(`X-Big: ${'h'.repeat(9000)}\r\n`, 'no-colon-header\r\n') }),
      }),
      { maxLength: 4 },
    ),
    ending: fc.constantFrom('close', 'close', 'close', 'missing', 'no-crlf', 'truncated', 'epilogue'),
  })
  .map(({ boundary, declared, parts, ending }) => {
    const chunks: Buffer[] = [];
    for (const p of parts) {
      let disposition = `form-data; name="${p.name}"`;
      if (p.filename !== null) disposition += `; filename="${p.filename}"`;
      if (p.extended !== null) disposition += `; filename*=${p.extended}`;
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type === null ? '' : `Content-Type: ${p.type}\r\n`}${p.extraHeader}\r\n`), p.content, Buffer.from('\r\n'));
    }
    if (ending === 'close') chunks.push(Buffer.from(`--${boundary}--\r\n`));
    if (ending === 'no-crlf') chunks.push(Buffer.from(`--${boundary}--`));
    if (ending === 'epilogue') chunks.push(Buffer.from(`--${boundary}--\r\nepilogue bytes`));
    let bytes = Buffer.concat(chunks);
    if (ending === 'truncated') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    const type = declared === 'missing' ? 'multipart/form-data' : declared === 'other' ? 'multipart/form-data; boundary=otherboundary' : declared === 'quoted' ? `multipart/form-data; boundary="${boundary}"` : `multipart/form-data; boundary=${boundary}`;
    return { bytes, type };
  });
