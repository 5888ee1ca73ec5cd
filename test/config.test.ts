// Configuration: defaults ← environment ← config file ← CLI flags, one schema, errors that name the
// option, secrets masked for display, and a reference page that cannot drift from the schema.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig, maskedConfig, OPTIONS, renderConfigReference } from '../src/config/index.js';
import { runCli } from './helpers/cli.js';
import { rejectsConfig } from './helpers/config.js';
import { tempDir } from './helpers/server.js';

const dir = tempDir('capstan-config-');
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(content: unknown): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const rejects = rejectsConfig;

describe('layering', () => {
  test('defaults come from the schema', () => {
    const config = loadConfig({ env: {} });
    for (const o of OPTIONS) assert.deepEqual(config[o.key], o.default, o.key);
    assert.equal(config.port, 8000);
    assert.equal(config.dataDir, './data');
    assert.equal(config.adminToken, null);
    assert.equal(config.logLevel, 'info');
  });

  test('the environment overrides defaults', () => {
    const config = loadConfig({
      env: { PORT: '9000', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'warn', CAPSTAN_DEV_CREDENTIALS: 'false', CAPSTAN_CORS_ORIGINS: 'https://a.example, https://b.example', CAPSTAN_PUBLIC_URL: 'https://api.example.com/' },
    });
    assert.equal(config.port, 9000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.devCredentials, false);
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(config.publicUrl, 'https://api.example.com', 'trailing slash trimmed');
  });

  test('a config file overrides the environment, and flags override the file', () => {
    const path = configFile({ port: 9100, host: '10.0.0.1', logLevel: 'error' });
    const env = { PORT: '9000', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'debug', CAPSTAN_DATA_DIR: '/env/data' };
    const fromFile = loadConfig({ env, argv: ['--config', path] });
    assert.equal(fromFile.port, 9100);
    assert.equal(fromFile.host, '10.0.0.1');
    assert.equal(fromFile.logLevel, 'error');
    assert.equal(fromFile.dataDir, '/env/data', 'options the file leaves out still come from the environment');

    const fromFlags = loadConfig({ env, argv: ['--config', path, '--port', '9200', '--log-level=trace'] });
    assert.equal(fromFlags.port, 9200);
    assert.equal(fromFlags.logLevel, 'trace');
    assert.equal(fromFlags.host, '10.0.0.1');
  });

  test('CAPSTAN_CONFIG names the config file too', () => {
    const path = configFile({ rateLimitPerMinute: 7 });
    assert.equal(loadConfig({ env: { CAPSTAN_CONFIG: path } }).rateLimitPerMinute, 7);
  });

  test('a bare boolean flag means true', () => {
    assert.equal(loadConfig({ env: { CAPSTAN_DEV_CREDENTIALS: 'false' }, argv: ['--dev-credentials'] }).devCredentials, true);
  });
});

describe('invalid values stop with a ConfigError naming the option', () => {
  test('from the environment', () => {
    rejects({ env: { PORT: 'eighty' } }, /PORT/, /environment/);
    rejects({ env: { PORT: '70000' } }, /PORT/);
    rejects({ env: { PORT: '80.5' } }, /PORT/);
    rejects({ env: { CAPSTAN_LOG_LEVEL: 'loud' } }, /CAPSTAN_LOG_LEVEL/);
    rejects({ env: { CAPSTAN_DEV_CREDENTIALS: 'yes' } }, /CAPSTAN_DEV_CREDENTIALS/);
    rejects({ env: { CAPSTAN_BODY_LIMIT_BYTES: '10' } }, /CAPSTAN_BODY_LIMIT_BYTES/);
    rejects({ env: { CAPSTAN_PUBLIC_URL: 'not a url' } }, /CAPSTAN_PUBLIC_URL/);
  });

  test('from a config file with a wrong type', () => {
    rejects({ env: {}, argv: ['--config', configFile({ port: true })] }, /PORT/, /config file/);
    rejects({ env: {}, argv: ['--config', configFile({ port: 'eighty' })] }, /PORT/);
    rejects({ env: {}, argv: ['--config', configFile({ host: 8000 })] }, /CAPSTAN_HOST/);
    rejects({ env: {}, argv: ['--config', configFile({ devCredentials: 'maybe' })] }, /CAPSTAN_DEV_CREDENTIALS/);
    rejects({ env: {}, argv: ['--config', configFile({ corsOrigins: { any: true } })] }, /CAPSTAN_CORS_ORIGINS/);
    rejects({ env: {}, argv: ['--config', configFile({ logLevel: 3 })] }, /CAPSTAN_LOG_LEVEL/);
  });

  test('from a flag', () => {
    rejects({ env: {}, argv: ['--port', 'eighty'] }, /PORT/, /--port/);
    rejects({ env: {}, argv: ['--port=-1'] }, /PORT/);
    rejects({ env: {}, argv: ['--shutdown-grace-ms', '-5'] }, /CAPSTAN_SHUTDOWN_GRACE_MS/);
  });

  test('a short token secret is refused', () => {
    rejects({ env: { CAPSTAN_TOKEN_SECRET: 'short' } }, /CAPSTAN_TOKEN_SECRET/);
  });

  test('a database or Redis URL of another scheme is refused, not run on the local SQLite file', () => {
    for (const url of ['mysql://root:hunter2@db/app', 'postgres:/missing-slashes', 'file:/tmp/x.db', 'sqlite:', 'capstan.db']) {
      const e = rejects({ env: { CAPSTAN_DATABASE_URL: url } }, /CAPSTAN_DATABASE_URL/);
      assert.ok(!e.message.includes('hunter2'));
    }
    for (const url of ['postgres://u@127.0.0.1:5432/db', 'postgresql://u@h/db', 'sqlite:/tmp/other.db']) assert.equal(loadConfig({ env: { CAPSTAN_DATABASE_URL: url } }).databaseUrl, url);
    rejects({ env: { CAPSTAN_REDIS_URL: 'http://cache:6379' } }, /CAPSTAN_REDIS_URL/);
    assert.equal(loadConfig({ env: { CAPSTAN_REDIS_URL: 'rediss://cache:6380' } }).redisUrl, 'rediss://cache:6380');
  });

  test('CORS origins are origins as browsers send them', () => {
    for (const origin of ['http://a.example/path', 'https://*.example.com', 'app.example.com', 'https://a.example?x=1']) rejects({ env: { CAPSTAN_CORS_ORIGINS: origin } }, /CAPSTAN_CORS_ORIGINS/);
    assert.deepEqual(loadConfig({ env: { CAPSTAN_CORS_ORIGINS: 'HTTPS://App.Example.com:443, http://localhost:3000' } }).corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
    assert.deepEqual(loadConfig({ env: { CAPSTAN_CORS_ORIGINS: '*' } }).corsOrigins, ['*']);
  });

  test('the value of a secret option never appears in the error', () => {
    const e = rejects({ env: { CAPSTAN_REDIS_URL: 'redis://user:hunter2@cache.internal:notaport' } }, /CAPSTAN_REDIS_URL/);
    assert.ok(!e.message.includes('hunter2'));
    const short = rejects({ env: { CAPSTAN_TOKEN_SECRET: 'hunter2' } });
    assert.ok(!short.message.includes('hunter2'));
  });
});

describe('values forgotten or out of reach', () => {
  test('a flag that takes a value, given without one, is refused: --admin-token is not the token "true"', () => {
    for (const argv of [['--admin-token'], ['--admin-token', '--port', '9000'], ['--data-dir'], ['--config']]) {
      assert.throws(() => loadConfig({ env: {}, argv }), (e: unknown) => e instanceof ConfigError && /needs a value/.test(e.message), argv.join(' '));
    }
    assert.equal(loadConfig({ env: {}, argv: ['--dev-credentials', '--port', '9000'] }).port, 9000, 'a bare boolean flag is still true');
  });

  test('an empty value of a string option with a default is refused, not taken as the empty string', () => {
    for (const env of ['CAPSTAN_S3_REGION', 'CAPSTAN_POCKETSPHINX_PATH', 'CAPSTAN_POCKETSPHINX_MODEL_DIR', 'CAPSTAN_REDIS_KEY_PREFIX']) {
      for (const blank of ['', ' ', '\t']) assert.throws(() => loadConfig({ env: { [env]: blank } }), (e: unknown) => e instanceof ConfigError && e.message.includes(env) && /non-empty/.test(e.message), env);
    }
    assert.equal(loadConfig({ env: { CAPSTAN_S3_KEY_PREFIX: '' } }).blobS3KeyPrefix, '', 'an option whose default is empty takes empty');
  });

  test('a value left blank is the option unset where its default is unset, and refused where it has one, for every type', () => {
    for (const blank of ['', '  ']) {
      for (const o of OPTIONS) {
        if (o.type === 'list') continue;
        if (o.default === null || o.default === '') assert.equal(loadConfig({ env: { [o.env]: blank } })[o.key], o.default, `${o.env}=${JSON.stringify(blank)}`);
        else rejects({ env: { [o.env]: blank } }, new RegExp(`^invalid ${o.env}`));
      }
    }
    assert.equal(loadConfig({ env: { CAPSTAN_OCR_WORKERS: '', CAPSTAN_BLOB_HASH_THREADS: '' } }).ocrWorkers, null);
    assert.equal(loadConfig({ env: { CAPSTAN_CONSOLE_DIR: '  ' } }).consoleDir, null, 'spaces only are no folder');
    rejects({ env: { CAPSTAN_DATA_DIR: '  ' } }, /^invalid CAPSTAN_DATA_DIR: expected a directory path$/);
  });

  test('a boolean is true or false, or 1 or 0, as its error says', () => {
    assert.equal(loadConfig({ env: { CAPSTAN_CHECK_RESPONSES: '1' } }).checkResponses, true);
    assert.equal(loadConfig({ env: { CAPSTAN_CHECK_RESPONSES: '0' } }).checkResponses, false);
    rejects({ env: { CAPSTAN_CHECK_RESPONSES: 'yes' } }, /^invalid CAPSTAN_CHECK_RESPONSES \(environment\): expected true or false \(or 1 or 0\), got "yes"$/);
  });

  test('an integer past the largest exact one names the bound it broke', () => {
    for (const value of ['9007199254740992', '99999999999999999999']) {
      assert.throws(() => loadConfig({ env: { CAPSTAN_BODY_LIMIT_BYTES: value } }), (e: unknown) => e instanceof ConfigError && /expected an integer >= 1024 and <= 9007199254740991/.test(e.message), value);
    }
    assert.throws(() => loadConfig({ env: { CAPSTAN_VIDEO_COMPLETE_TIMEOUT_SECONDS: '0' } }), /expected an integer >= 1 and <= 86400/);
  });

  test('a host is an address or a host name', () => {
    for (const bad of ['not a host!', 'http://example.com', 'a..b', '-lead.example']) assert.throws(() => loadConfig({ env: { CAPSTAN_HOST: bad } }), /CAPSTAN_HOST/, bad);
    for (const good of ['::', '::1', '127.0.0.1', 'localhost', 'api-1.internal', '223.255.255.254', '240.0.0.1', 'fe80::1']) assert.equal(loadConfig({ env: { CAPSTAN_HOST: good } }).host, good);
    // A server bound to these starts, and no client can reach it.
    for (const group of ['255.255.255.255', '224.0.0.1', '239.255.255.250', 'ff02::1', 'FF05::2', '::ffff:224.0.0.1']) {
      assert.throws(() => loadConfig({ env: { CAPSTAN_HOST: group } }), /^ConfigError: invalid CAPSTAN_HOST .*: a broadcast or multicast address/, group);
    }
  });

  test('an empty host or data directory, and a console origin that is not one, are refused', () => {
    assert.throws(() => loadConfig({ env: { CAPSTAN_HOST: '' } }), /CAPSTAN_HOST/);
    assert.throws(() => loadConfig({ env: { CAPSTAN_DATA_DIR: '' } }), /CAPSTAN_DATA_DIR/);
    for (const bad of ['notanorigin', 'https://ops.example.com/path']) assert.throws(() => loadConfig({ env: { CAPSTAN_CONSOLE_ORIGINS: bad } }), /CAPSTAN_CONSOLE_ORIGINS/, bad);
    assert.deepEqual(loadConfig({ env: { CAPSTAN_CONSOLE_ORIGINS: 'https://OPS.example.com:443' } }).consoleOrigins, ['https://ops.example.com']);
  });

  test('a URL Capstan fetches or hands out is http or https', () => {
    for (const env of ['CAPSTAN_PUBLIC_URL', 'CAPSTAN_S3_ENDPOINT', 'CAPSTAN_TRANSCRIBER_URL']) {
      assert.throws(() => loadConfig({ env: { [env]: 'ftp://files.example.com' } }), new RegExp(`${env}: expected an http:// or https:// URL`), env);
      assert.doesNotThrow(() => loadConfig({ env: { [env]: 'https://files.example.com' } }), env);
    }
  });

  test('a public URL is a base to append paths to: a query, a fragment or credentials are refused, without showing the value', () => {
    for (const bad of ['http://example.com/base?x=1#frag', 'https://example.com/base?x=1', 'https://example.com/#top', 'https://example.com/?', 'https://user:hunter2@example.com', 'https://user@example.com/base']) {
      const e = rejects({ env: { CAPSTAN_PUBLIC_URL: bad } }, /^invalid CAPSTAN_PUBLIC_URL: .*without a query, a fragment or user:password@/);
      assert.ok(!e.message.includes('hunter2'), 'the password is not shown');
    }
    assert.equal(loadConfig({ env: { CAPSTAN_PUBLIC_URL: 'https://example.com/capstan/' } }).publicUrl, 'https://example.com/capstan');
  });

  test('a realtime heartbeat must come before the idle timeout, or every quiet stream is closed; 0 (no heartbeat) is fine', () => {
    for (const [heartbeat, idle] of [['100000', '50'], ['90000', '90000']]) {
      rejects({ env: { CAPSTAN_REALTIME_HEARTBEAT_MS: heartbeat, CAPSTAN_REALTIME_IDLE_TIMEOUT_MS: idle } }, /^invalid CAPSTAN_REALTIME_HEARTBEAT_MS .*CAPSTAN_REALTIME_IDLE_TIMEOUT_MS/);
    }
    rejects({ env: { CAPSTAN_REALTIME_IDLE_TIMEOUT_MS: '20000' } }, /CAPSTAN_REALTIME_HEARTBEAT_MS 25000: expected below CAPSTAN_REALTIME_IDLE_TIMEOUT_MS \(20000\)/);
    assert.equal(loadConfig({ env: { CAPSTAN_REALTIME_HEARTBEAT_MS: '0', CAPSTAN_REALTIME_IDLE_TIMEOUT_MS: '50' } }).realtimeHeartbeatMs, 0);
    assert.equal(loadConfig({ env: { CAPSTAN_REALTIME_HEARTBEAT_MS: '49', CAPSTAN_REALTIME_IDLE_TIMEOUT_MS: '50' } }).realtimeHeartbeatMs, 49);
  });

  test('a PostgreSQL URL that does not parse says why, a port past 65535 by name, without showing the password', () => {
    for (const port of ['99999', 'abc']) {
      const e = rejects({ env: { CAPSTAN_DATABASE_URL: `postgres://u:pw-never-shown@127.0.0.1:${port}/db` } }, new RegExp(`^invalid CAPSTAN_DATABASE_URL: its port "${port}" is not a number from 0 to 65535$`));
      assert.ok(!e.message.includes('pw-never-shown'));
    }
    rejects({ env: { CAPSTAN_DATABASE_URL: 'postgres://u@bad host/db' } }, /^invalid CAPSTAN_DATABASE_URL: it does not parse as a URL$/);
  });

  test('a config file\'s number or boolean of the wrong kind is shown as written', () => {
    rejects({ env: {}, argv: ['--config', configFile({ port: 47301.5 })] }, /^invalid PORT \(config file\): expected an integer >= 0 and <= 65535, got 47301\.5$/);
    rejects({ env: {}, argv: ['--config', configFile({ logLevel: true })] }, /got true$/);
    rejects({ env: {}, argv: ['--config', configFile({ adminToken: 12345 })] }, /CAPSTAN_ADMIN_TOKEN .*got "\*\*\*"$/);
  });

  test('a duration in milliseconds is at most what a timer can wait', () => {
    assert.throws(() => loadConfig({ env: { CAPSTAN_SHUTDOWN_GRACE_MS: '2147483648' } }), /CAPSTAN_SHUTDOWN_GRACE_MS.*<= 2147483647/);
    assert.equal(loadConfig({ env: { CAPSTAN_SHUTDOWN_GRACE_MS: '2147483647' } }).shutdownGraceMs, 2147483647);
  });
});

describe('unknown and unreadable sources', () => {
  test('an unknown key in the config file', () => {
    rejects({ env: {}, argv: ['--config', configFile({ port: 9000, prot: 9001 })] }, /unknown option "prot"/);
  });

  test('a flag given twice is refused, not last-wins', () => {
    rejects({ env: {}, argv: ['--port', '1', '--port', '2'] }, /^flag --port is given more than once: give it once$/);
    rejects({ env: {}, argv: ['--config=a.json', '--config', 'b.json'] }, /^flag --config is given more than once/);
  });

  test('an unknown flag', () => {
    rejects({ env: {}, argv: ['--prot', '9000'] }, /unknown flag --prot/);
  });

  test('a config file that is missing, not JSON, or not an object', () => {
    rejects({ env: {}, argv: ['--config', join(dir, 'missing.json')] }, /cannot read config file/);
    rejects({ env: {}, argv: ['--config', configFile('{"port": 80,')] }, /not valid JSON/);
    rejects({ env: {}, argv: ['--config', configFile([1, 2])] }, /JSON object/);
  });
});

describe('maskedConfig', () => {
  test('hides the admin token, the token secret and the passwords in database and Redis URLs', () => {
    const secrets = { admin: 'admin-sekrit-value', tokenSecret: 'z'.repeat(40), dbPassword: 'db-pass-value', redisPassword: 'redis-pass-value' };
    const config = loadConfig({
      env: {
        CAPSTAN_ADMIN_TOKEN: secrets.admin,
        CAPSTAN_TOKEN_SECRET: secrets.tokenSecret,
        CAPSTAN_DATABASE_URL: `postgres://capstan:${secrets.dbPassword}@db.internal:5432/capstan`,
        CAPSTAN_REDIS_URL: `redis://:${secrets.redisPassword}@cache.internal:6379/0`,
      },
    });
    const masked = maskedConfig(config);
    assert.equal(masked.adminToken, '***');
    assert.equal(masked.tokenSecret, '***');
    assert.equal(masked.databaseUrl, 'postgres://capstan:***@db.internal:5432/capstan');
    assert.match(String(masked.redisUrl), /^redis:\/\/:\*\*\*@cache\.internal:6379\/0$/);
    const text = JSON.stringify(masked);
    for (const s of Object.values(secrets)) assert.ok(!text.includes(s), `${s} is masked`);
    assert.equal(masked.port, config.port, 'other options are shown as they are');
  });

  test('passwords and keys in a URL\'s query, and in any URL option, are masked too', () => {
    const masked = maskedConfig(loadConfig({ env: {
      CAPSTAN_DATABASE_URL: 'postgres://u:pw-one@h/db?password=pw-two&sslmode=require',
      CAPSTAN_TRANSCRIBER_URL: 'https://user:pw-three@tr.example.com/x?key=pw-four&lang=en',
    } }));
    const text = JSON.stringify(masked);
    for (const s of ['pw-one', 'pw-two', 'pw-three', 'pw-four']) assert.ok(!text.includes(s), `${s} is masked`);
    assert.match(String(masked.databaseUrl), /sslmode=require/);
    assert.match(String(masked.transcriberUrl), /lang=en/);
  });

  test('unset secrets stay null and URLs without a password are shown whole', () => {
    const masked = maskedConfig(loadConfig({ env: { CAPSTAN_DATABASE_URL: 'postgres://db.internal/capstan' } }));
    assert.equal(masked.adminToken, null);
    assert.equal(masked.tokenSecret, null);
    assert.equal(masked.redisUrl, null);
    assert.equal(masked.databaseUrl, 'postgres://db.internal/capstan');
  });
});

test('docs/configuration.md is the reference rendered from the schema (run `npm run docs:config`)', () => {
  const page = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(page === renderConfigReference(), 'docs/configuration.md is out of date: run `npm run docs:config`');
  for (const o of OPTIONS) assert.ok(page.includes(`\`${o.env}\``), `${o.env} is documented`);
});

describe('list options', () => {
  test('an empty entry is refused, not dropped, in every list; an empty value is the empty list', () => {
    const lists = OPTIONS.filter((o) => o.type === 'list');
    assert.deepEqual(lists.map((o) => o.env).sort(), ['CAPSTAN_CONSOLE_ORIGINS', 'CAPSTAN_CORS_ORIGINS', 'CAPSTAN_FETCH_ALLOW_HOSTS', 'CAPSTAN_TRUST_PROXY', 'CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS'], 'every list is covered here');
    const valid: Record<string, string> = {
      CAPSTAN_CONSOLE_ORIGINS: 'https://ops.example.com',
      CAPSTAN_CORS_ORIGINS: 'https://a.example',
      CAPSTAN_FETCH_ALLOW_HOSTS: '127.0.0.1',
      CAPSTAN_TRUST_PROXY: '10.0.0.0/8',
      CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '5000',
    };
    for (const o of lists) {
      const one = valid[o.env]!;
      for (const bad of [`${one},,${one}`, `${one},`, `,${one}`, ',', `${one}, ,${one}`]) {
        rejects({ env: { [o.env]: bad } }, new RegExp(`^invalid ${o.env} \\(environment\\)`));
      }
      rejects({ env: {}, overrides: { [o.key]: [one, ''] } }, new RegExp(`${o.env}`));
      assert.deepEqual(loadConfig({ env: { [o.env]: '' } })[o.key], [], `${o.env}="" is the empty list`);
      assert.equal((loadConfig({ env: { [o.env]: ` ${one} , ${one}` } })[o.key] as readonly string[]).length, 2, 'spaces around entries are fine');
    }
  });
});

describe('CAPSTAN_FETCH_ALLOW_HOSTS', () => {
  test('takes IP addresses, CIDR ranges and host names', () => {
    const config = loadConfig({ env: { CAPSTAN_FETCH_ALLOW_HOSTS: '127.0.0.1, 10.0.0.0/8,fd00::/8,localhost,Files.Internal' } });
    assert.deepEqual(config.fetchAllowHosts, ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'localhost', 'Files.Internal']);
  });

  test('an entry that is none of them stops the load, naming the option and the entry', () => {
    for (const entry of ['http://localhost', 'localhost:8080', '*.internal', '10.0.0.0/33']) {
      rejects({ env: { CAPSTAN_FETCH_ALLOW_HOSTS: `127.0.0.1,${entry}` } }, /CAPSTAN_FETCH_ALLOW_HOSTS/, new RegExp(JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    }
    rejects({ env: {}, overrides: { fetchAllowHosts: ['localhost', 'a b'] } }, /CAPSTAN_FETCH_ALLOW_HOSTS entry "a b"/);
  });

  test('capstan serve with a malformed entry exits 2 before anything starts', async () => {
    const dataDir = tempDir('capstan-config-allow-');
    try {
      const res = await runCli(['serve'], { CAPSTAN_DATA_DIR: dataDir, PORT: '0', CAPSTAN_FETCH_ALLOW_HOSTS: 'localhost,http://files.internal/' });
      assert.equal(res.code, 2, `exit 2 expected; stderr: ${res.stderr}`);
      assert.match(res.stderr, /CAPSTAN_FETCH_ALLOW_HOSTS entry "http:\/\/files\.internal\/"/);
      assert.deepEqual(readdirSync(dataDir), [], 'nothing was created');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
