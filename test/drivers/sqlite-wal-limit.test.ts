// The SQLite WAL does not keep its peak size: a reader holding a snapshot lets the WAL grow past its
// checkpoint size while writes go on; once the reader lets go, the next checkpoint cuts the file back
// to the journal size limit (64 MiB) instead of leaving it at its peak until the server stops.
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { connect } from '../../src/storage/connect.js';
import { tempDir } from '../helpers/server.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

test('a WAL grown past the limit while a reader held a snapshot is cut back after the next checkpoint', { timeout: 120_000 }, async () => {
  const path = join(dir, 'wal.db');
  const connection = connect(`sqlite:${path}`, dir);
  const writer = connection.sqlite?.writer;
  assert.ok(writer);
  try {
    writer.exec('create table blobs (id integer primary key, body blob)');
    const reader = new Database(path);
    reader.exec('begin');
    reader.prepare('select count(*) from blobs').get();
    const insert = writer.prepare('insert into blobs (body) values (zeroblob(1048576))');
    for (let i = 0; i < 80; i++) insert.run();
    const grown = statSync(`${path}-wal`).size;
    assert.ok(grown > 80 * (1 << 20), `the held snapshot let the WAL grow (${grown} bytes)`);
    reader.exec('commit');
    reader.close();
    writer.exec('delete from blobs');
    writer.pragma('wal_checkpoint(PASSIVE)');
    writer.exec('insert into blobs (body) values (x\'00\')');
    const after = statSync(`${path}-wal`).size;
    assert.ok(after <= 64 * (1 << 20), `the WAL is back within the limit (${after} bytes, peak ${grown})`);
  } finally {
    connection.sqlite?.snapshot.end();
    writer.close();
    connection.sqlite?.reader.close();
  }
});
