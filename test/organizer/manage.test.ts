// Files a person manages, beyond seed 002: download (Content-Type, Content-Disposition, Range), rename,
// move, delete, folders with counts, and undo of an organize job. Each change is heard on the seed's
// WebSocket as a flat event of the organization, and refused as the API documents: another
// organization's file is never found, a locked file is 409, a bad name or folder is 400. On both
// storage drivers: rename, delete, folder counts and undo are SQL of their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { scannedPdf, textPdf } from './everyday-files.js';
import { fileOf, listen, only, organize, until, uploadJson, waitForJob, type Listener, type Msg } from './helpers.js';

for (const driver of ['sqlite', 'postgres'] as const) describe(`organizer: managing files (${driver})`, () => {
  let ts: TestServer;
  let db: TestDatabase | undefined;
  let org: TestOrg;
  let other: TestOrg;
  let socket: Listener;
  let stranger: Listener;
  before(async () => {
    db = driver === 'postgres' ? await createTestDatabase() : undefined;
    ts = await startServer(db ? { databaseUrl: db.url } : {});
    org = await makeOrg(ts);
    other = await makeOrg(ts);
    socket = await listen(ts, org.apiKey);
    stranger = await listen(ts, other.apiKey);
  });
  after(async () => {
    socket.close();
    stranger.close();
    await ts.close();
    await db?.drop();
  });

  const event = async (type: string, match: (m: Msg) => boolean): Promise<Msg> => {
    await until(() => only(socket.received, type).some(match), type);
    return only(socket.received, type).find(match)!;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(ts.url + path, { headers: { 'capout-api-key': org.apiKey, ...headers } });
  const lock = async (id: string) => assert.equal((await ts.admin('PUT', `/orgs/${org.id}/files/${id}/lock`, { locked: true })).status, 200);

  test('download: the bytes, their sniffed type, the name as an attachment, and Range', async () => {
    const body = Buffer.from('Quarterly numbers, 2025-03-31: up and to the right.\n');
    const [id] = await uploadJson(org, [{ name: 'Résumé "final".txt', body }]);
    const whole = await get(`/api/v1/files/${id!}/content`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(whole.headers.get('content-length'), String(body.length));
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(whole.headers.get('content-disposition'), `attachment; filename="R_sum_ _final_.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.txt`);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), body);

    const part = await get(`/api/v1/files/${id!}/content`, { range: 'bytes=0-8' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-8/${body.length}`);
    assert.equal(await part.text(), 'Quarterly');
    const tail = await get(`/api/v1/files/${id!}/content`, { range: 'bytes=-3' });
    assert.equal(await tail.text(), 't.\n');
    const past = await get(`/api/v1/files/${id!}/content`, { range: `bytes=${body.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${body.length}`);

    // Conditional downloads: revalidation without the bytes, and a resume that refuses another version.
    const etag = whole.headers.get('etag') ?? '';
    const fresh = await get(`/api/v1/files/${id!}/content`, { 'if-none-match': etag });
    assert.equal(fresh.status, 304);
    assert.equal(fresh.headers.get('etag'), etag);
    const stale = await get(`/api/v1/files/${id!}/content`, { range: 'bytes=0-8', 'if-range': '"an-older-version"' });
    assert.equal(stale.status, 200);
    assert.deepEqual(Buffer.from(await stale.arrayBuffer()), body);
    const changed = await get(`/api/v1/files/${id!}/content`, { 'if-match': '"an-older-version"' });
    assert.equal(changed.status, 412);
    assert.equal(((await changed.json()) as { code: string }).code, 'precondition_failed');

    const foreign = await fetch(`${ts.url}/api/v1/files/${id!}/content`, { headers: { 'capout-api-key': other.apiKey } });
    assert.equal(foreign.status, 404, "another organization's file is never found");
    assert.equal((await fetch(`${ts.url}/api/v1/files/${id!}/content`)).status, 401);
  });

  test('rename and move: the file changes, and file_updated is heard by its organization only', async () => {
    const [id] = await uploadJson(org, [{ name: 'scan 7.pdf', body: await textPdf(['Scanned document']) }]);
    const renamed = await org.call('PATCH', `/api/v1/files/${id!}`, { name: 'Car title.pdf' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'Car title.pdf');
    assert.deepEqual(await event('file_updated', (m) => m.fileId === id && m.name === 'Car title.pdf'), {
      type: 'file_updated', fileId: id, name: 'Car title.pdf', folder: '', previousName: 'scan 7.pdf', previousFolder: '',
    });
    const moved = await org.call('PATCH', `/api/v1/files/${id!}`, { folder: '/Car/Papers/' });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.folder, 'Car/Papers');
    assert.deepEqual(await event('file_updated', (m) => m.fileId === id && m.folder === 'Car/Papers'), {
      type: 'file_updated', fileId: id, name: 'Car title.pdf', folder: 'Car/Papers', previousName: 'Car title.pdf', previousFolder: '',
    });
    const both = await org.call('PATCH', `/api/v1/files/${id!}`, { name: 'Title.pdf', folder: '' });
    assert.deepEqual([both.body.name, both.body.folder], ['Title.pdf', '']);
    await event('file_updated', (m) => m.fileId === id && m.name === 'Title.pdf');
    const unchanged = socket.received.length;
    assert.equal((await org.call('PATCH', `/api/v1/files/${id!}`, { name: 'Title.pdf' })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(only(socket.received.slice(unchanged), 'file_updated').length, 0, 'no event when nothing changed');
    assert.ok(!stranger.received.some((m) => m.fileId === id), 'another organization hears nothing');
  });

  test('rename and move: bad names and folders are 400, like uploads and listings', async () => {
    const [id] = await uploadJson(org, [{ name: 'keep.txt', body: 'keep' }]);
    for (const name of ['', '   ', '.', '..', ' .. ', 'a/b.txt', 'a\\b.txt', 'tab\there.txt', 'x'.repeat(256), 'invoice\u202Efdp.exe', 'a\u2066b.txt']) {
      const r = await org.call('PATCH', `/api/v1/files/${id!}`, { name });
      assert.equal(r.status, 400, `name ${JSON.stringify(name)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'invalid_request');
    }
    for (const folder of ['..', 'a/../b', 'a//b', 'a/./b', 'bad\u0007folder', 'a\\b']) {
      const r = await org.call('PATCH', `/api/v1/files/${id!}`, { folder });
      assert.equal(r.status, 400, `folder ${JSON.stringify(folder)}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await org.call('PATCH', `/api/v1/files/${id!}`, {})).status, 400);
    const f = await fileOf(org, id!);
    assert.deepEqual([f.name, f.folder], ['keep.txt', '']);
  });

  test('names count code points: an emoji is never cut in half, a long name keeps its extension, a 200-emoji rename is allowed', async () => {
    const emoji = '\u{1F600}'.repeat(200);
    const [a] = await uploadJson(org, [{ name: emoji, body: 'x' }]);
    assert.equal((await fileOf(org, a!)).name, emoji);
    const [b] = await uploadJson(org, [{ name: `${'a'.repeat(254)}\u{1F600}`, body: 'x' }]);
    assert.equal((await fileOf(org, b!)).name, `${'a'.repeat(254)}\u{1F600}`);
    const [c] = await uploadJson(org, [{ name: `${'\u{1F600}'.repeat(300)}.pdf`, body: 'x' }]);
    const shortened = String((await fileOf(org, c!)).name);
    assert.equal([...shortened].length, 255);
    assert.ok(shortened.endsWith('\u{1F600}.pdf') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(shortened), shortened.slice(-8));
    const [d] = await uploadJson(org, [{ name: 'keep.txt', body: 'x' }]);
    assert.equal((await org.call('PATCH', `/api/v1/files/${d!}`, { name: emoji })).status, 200);
    assert.equal((await org.call('PATCH', `/api/v1/files/${d!}`, { name: `${emoji}${'\u{1F600}'.repeat(56)}` })).status, 400);
  });

  test('UTF-16 text with its byte order mark is text, not audio, and its words are read', async () => {
    const words = 'INVOICE 2025-001\r\nTotal due: 1,250.00 EUR\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(words, 'utf16le')]);
    const [id] = await uploadJson(org, [{ name: 'notes.txt', body: le }]);
    const file = await fileOf(org, id!);
    assert.equal(file.type, 'text');
    assert.match(String(file.excerpt), /INVOICE 2025-001/);
    const download = await get(`/api/v1/files/${id!}/content`);
    assert.equal(download.headers.get('content-type'), 'text/plain; charset=utf-16le');
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), le, 'the bytes are served as stored');
  });

  test('UTF-16 text keeps its last character, so a date at its very end is read whole', async () => {
    for (const [charset, encode] of [['utf-16le', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])], ['utf-16be', (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])]] as const) {
      const [short, dated, emoji] = await uploadJson(org, [
        { name: `hello-${charset}.txt`, body: encode('hello') },
        { name: `dated-${charset}.txt`, body: encode('Invoice date 2024-02-13') },
        { name: `emoji-${charset}.txt`, body: encode('done \u{1F600}') },
      ]);
      assert.equal((await fileOf(org, short!)).excerpt, 'hello', charset);
      assert.equal((await fileOf(org, dated!)).excerpt, 'Invoice date 2024-02-13', charset);
      assert.equal((await fileOf(org, emoji!)).excerpt, 'done \u{1F600}', `${charset}: a surrogate pair at the end is one character`);
    }
  });

  test('folders differing only in case are different folders, also below a recursive listing or job', async () => {
    const [upper, lower, like] = await uploadJson(org, [{ name: 'u.txt', body: 'u' }, { name: 'l.txt', body: 'l' }, { name: 'w.txt', body: 'w' }]);
    for (const [id, folder] of [[upper, 'Case/Reports/2024'], [lower, 'Case/reports/2024'], [like, 'Case/Re_orts%/2024']] as const) {
      assert.equal((await org.call('PATCH', `/api/v1/files/${id!}`, { folder })).status, 200);
    }
    const ids = async (query: string) => ((await org.call('GET', `/api/v1/files?${query}`)).body.files as Msg[]).map((f) => f.fileId);
    assert.deepEqual(await ids('folder=Case/Reports&recursive=true'), [upper]);
    assert.deepEqual(await ids('folder=Case/reports&recursive=true'), [lower]);
    assert.deepEqual(await ids('folder=CASE&recursive=true'), [], 'no such folder');
    assert.deepEqual(await ids(`folder=${encodeURIComponent('Case/Re_orts%')}&recursive=true`), [like]);
    assert.deepEqual((await org.call('GET', '/api/v1/folders?parent=CASE')).body.folders, []);
    assert.deepEqual(((await org.call('GET', '/api/v1/folders?parent=Case')).body.folders as Msg[]).map((f) => f.path).sort(), ['Case/Re_orts%', 'Case/Reports', 'Case/reports']);
  });

  test('a rename with spaces around it is refused, not trimmed; a folder with padded segments or bidirectional overrides is refused', async () => {
    const [id] = await uploadJson(org, [{ name: 'lead.txt', body: 'x' }]);
    for (const change of [{ name: '  lead.txt' }, { name: 'lead.txt ' }, { name: `${'a'.repeat(255)} ` }, { folder: 'Invoices\u202efdp.exe' }, { folder: 'a/\u2066b' }, { folder: ' a / b ' }, { folder: 'a/b ' }]) {
      const r = await org.call('PATCH', `/api/v1/files/${id!}`, change);
      assert.equal(r.status, 400, JSON.stringify(change));
      assert.equal(r.body.code, 'invalid_request');
    }
    const file = await fileOf(org, id!);
    assert.deepEqual([file.name, file.folder], ['lead.txt', ''], 'nothing changed');
    const claimed = await org.call('POST', '/api/v1/files', { name: 'x.txt', content_base64: 'eA==', content_type: 'text/html\r\nX: y' });
    assert.equal(claimed.status, 400, JSON.stringify(claimed.body));
  });

  test('a rename and a move at once: each file_updated names what its own change replaced', async () => {
    for (let round = 0; round < 5; round++) {
      const [id] = await uploadJson(org, [{ name: `race-${round}.txt`, body: 'x' }]);
      const [a, b] = await Promise.all([
        org.call('PATCH', `/api/v1/files/${id!}`, { name: `renamed-${round}.txt` }),
        org.call('PATCH', `/api/v1/files/${id!}`, { folder: `Moved${round}` }),
      ]);
      assert.deepEqual([a.status, b.status], [200, 200]);
      await until(() => only(socket.received, 'file_updated').filter((m) => m.fileId === id).length === 2, 'both file_updated');
      const mine = only(socket.received, 'file_updated').filter((m) => m.fileId === id);
      // In commit order, each starts where the one before ended.
      assert.deepEqual([mine[0]!.previousName, mine[0]!.previousFolder], [`race-${round}.txt`, ''], JSON.stringify(mine));
      assert.deepEqual([mine[1]!.previousName, mine[1]!.previousFolder], [mine[0]!.name, mine[0]!.folder], JSON.stringify(mine));
      assert.deepEqual([mine[1]!.name, mine[1]!.folder], [`renamed-${round}.txt`, `Moved${round}`]);
    }
  });

  test('an uploaded name loses its bidirectional overrides, so it cannot pass for another extension', async () => {
    const [id] = await uploadJson(org, [{ name: 'invoice\u202Efdp.exe', body: 'MZ' }]);
    assert.equal((await fileOf(org, id!)).name, 'invoicefdp.exe');
    const [isolated] = await uploadJson(org, [{ name: '\u2067report\u2069\u202A.txt\u202C', body: 'x' }]);
    assert.equal((await fileOf(org, isolated!)).name, 'report.txt');
  });

  test("another organization's file cannot be renamed, moved, deleted or downloaded: 404; moving into a folder another organization uses touches nothing of theirs", async () => {
    const [theirs] = await uploadJson(other, [{ name: 'theirs.txt', body: 'theirs' }]);
    assert.equal((await other.call('PATCH', `/api/v1/files/${theirs!}`, { folder: 'Private/HR' })).status, 200);
    for (const [method, body] of [['PATCH', { folder: 'Mine' }], ['PATCH', { name: 'mine.txt' }], ['DELETE', undefined]] as const) {
      const r = await org.call(method, `/api/v1/files/${theirs!}`, body);
      assert.equal(r.status, 404, `${method} ${JSON.stringify(body)}`);
      assert.equal(r.body.code, 'not_found');
    }
    const [mine] = await uploadJson(org, [{ name: 'mine.txt', body: 'mine' }]);
    const moved = await org.call('PATCH', `/api/v1/files/${mine!}`, { folder: 'Private/HR' });
    assert.equal(moved.status, 200);
    const theirFolder = await other.call('GET', '/api/v1/files?folder=Private/HR');
    assert.deepEqual((theirFolder.body.files as Msg[]).map((f) => f.fileId), [theirs], 'their folder still holds only their file');
    const ours = await org.call('GET', '/api/v1/folders?parent=Private');
    assert.deepEqual(ours.body.folders, [{ name: 'HR', path: 'Private/HR', fileCount: 1, totalCount: 1 }]);
    const f = await fileOf(other, theirs!);
    assert.deepEqual([f.name, f.folder], ['theirs.txt', 'Private/HR']);
  });

  test('delete: the row and the bytes go, file_deleted is heard, and the file is 404 after', async () => {
    const [id] = await uploadJson(org, [{ name: 'old.txt', body: 'old' }]);
    const row = await ts.server.ctx.storage.organizer.getFile(org.id, id!);
    const r = await org.call('DELETE', `/api/v1/files/${id!}`);
    assert.equal(r.status, 204);
    assert.deepEqual(await event('file_deleted', (m) => m.fileId === id), { type: 'file_deleted', fileId: id, name: 'old.txt', folder: '' });
    assert.equal((await org.call('GET', `/api/v1/files/${id!}`)).status, 404);
    assert.equal((await get(`/api/v1/files/${id!}/content`)).status, 404);
    assert.equal(await ts.server.ctx.blobs.exists(row!.blob_key), false, 'the bytes are gone');
    assert.equal((await org.call('DELETE', `/api/v1/files/${id!}`)).status, 404);
  });

  test('a locked file refuses rename, move and delete with 409 and stays as it was; unlocked, it can be changed', async () => {
    const [id] = await uploadJson(org, [{ name: 'deed.pdf', body: await textPdf(['Deed']) }]);
    await lock(id!);
    for (const [method, body] of [['PATCH', { name: 'x.pdf' }], ['PATCH', { folder: 'Elsewhere' }], ['DELETE', undefined]] as const) {
      const r = await org.call(method, `/api/v1/files/${id!}`, body);
      assert.equal(r.status, 409, `${method} ${JSON.stringify(body)}`);
      assert.equal(r.body.code, 'conflict');
    }
    const f = await fileOf(org, id!);
    assert.deepEqual([f.name, f.folder, f.locked], ['deed.pdf', '', true]);
    assert.equal((await ts.admin('PUT', `/orgs/${org.id}/files/${id!}/lock`, { locked: false })).status, 200);
    assert.equal((await org.call('PATCH', `/api/v1/files/${id!}`, { folder: 'House' })).status, 200);
  });

  test('folders: the folders under a parent, with the files directly in each and in all of it', async () => {
    const o = await makeOrg(ts);
    const ids = await uploadJson(o, [1, 2, 3, 4, 5].map((i) => ({ name: `f${i}.txt`, body: `f${i}` })));
    const place = [['Invoices/2025/01', 0], ['Invoices/2025/02', 1], ['Invoices/2025/02', 2], ['Invoices', 3]] as const;
    for (const [folder, i] of place) assert.equal((await o.call('PATCH', `/api/v1/files/${ids[i]!}`, { folder })).status, 200);
    const root = await o.call('GET', '/api/v1/folders');
    assert.deepEqual(root.body, { parent: '', fileCount: 1, folders: [{ name: 'Invoices', path: 'Invoices', fileCount: 1, totalCount: 4 }] });
    const year = await o.call('GET', '/api/v1/folders?parent=/Invoices/2025/');
    assert.deepEqual(year.body, {
      parent: 'Invoices/2025', fileCount: 0,
      folders: [{ name: '01', path: 'Invoices/2025/01', fileCount: 1, totalCount: 1 }, { name: '02', path: 'Invoices/2025/02', fileCount: 2, totalCount: 2 }],
    });
    assert.deepEqual((await o.call('GET', '/api/v1/folders?parent=Nothing')).body, { parent: 'Nothing', fileCount: 0, folders: [] });
    assert.equal((await o.call('GET', '/api/v1/folders?parent=a/../b')).status, 400);
  });

  test('undo: every file the job moved goes back, except one moved by hand since; job_undone is heard; undoing twice is 409', async () => {
    const [inbox] = await uploadJson(org, [{ name: 'inbox-marker.txt', body: 'x' }]);
    assert.equal((await org.call('PATCH', `/api/v1/files/${inbox!}`, { folder: 'Inbox' })).status, 200);
    const ids = await uploadJson(org, [
      { name: 'Invoice 2025-03.pdf', body: await textPdf(['Invoice']) },
      { name: 'Receipt 2024-08.pdf', body: await textPdf(['Receipt']) },
      { name: 'Contract 2023.pdf', body: await textPdf(['Contract']) },
    ]);
    for (const id of ids) assert.equal((await org.call('PATCH', `/api/v1/files/${id}`, { folder: 'Inbox/Scans' })).status, 200);
    const created = await org.call('POST', '/api/v1/jobs', { folder: 'Inbox/Scans' });
    const job = await waitForJob(org, created.body.jobId as string);
    assert.equal(job.organized, 3);
    assert.deepEqual(await Promise.all(ids.map(async (id) => (await fileOf(org, id)).folder)), ['Invoices/2025/03', 'Receipts/2024/08', 'Contracts/2023']);
    // Moved by hand after the job: it stays where the person put it.
    assert.equal((await org.call('PATCH', `/api/v1/files/${ids[1]!}`, { folder: 'Tax 2024' })).status, 200);

    const undone = await org.call('POST', `/api/v1/jobs/${job.jobId as string}/undo`);
    assert.equal(undone.status, 200, JSON.stringify(undone.body));
    assert.equal(undone.body.restored, 2);
    assert.equal(undone.body.kept, 1);
    assert.equal(typeof undone.body.undoneAt, 'string');
    assert.deepEqual(await Promise.all(ids.map(async (id) => (await fileOf(org, id)).folder)), ['Inbox/Scans', 'Tax 2024', 'Inbox/Scans']);
    assert.deepEqual(await event('job_undone', (m) => m.jobId === job.jobId), { type: 'job_undone', jobId: job.jobId, restored: 2, kept: 1 });
    assert.ok(!stranger.received.some((m) => m.jobId === job.jobId));

    const again = await org.call('POST', `/api/v1/jobs/${job.jobId as string}/undo`);
    assert.equal(again.status, 409);
    assert.equal((await other.call('POST', `/api/v1/jobs/${job.jobId as string}/undo`)).status, 404, "another organization's job is never found");
  });

  test('undo leaves a file locked since the job where it is', async () => {
    const { ids, job } = await organize(org, [{ name: 'Statement 2025-01.pdf', body: await textPdf(['Statement']) }]);
    assert.equal((await fileOf(org, ids[0]!)).folder, 'Statements/2025/01');
    await lock(ids[0]!);
    const undone = await org.call('POST', `/api/v1/jobs/${job.jobId as string}/undo`);
    assert.deepEqual([undone.body.restored, undone.body.kept], [0, 1]);
    assert.equal((await fileOf(org, ids[0]!)).folder, 'Statements/2025/01');
  });

  test('undo of a job still queued is 409', async () => {
    const ts2 = await startServer({ workflowConcurrency: 0 });
    try {
      const o = await makeOrg(ts2);
      const ids = await uploadJson(o, [{ name: 'a.txt', body: 'a' }]);
      const created = await o.call('POST', '/api/v1/jobs', { file_ids: ids });
      const r = await o.call('POST', `/api/v1/jobs/${created.body.jobId as string}/undo`);
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'conflict');
    } finally {
      await ts2.close();
    }
  });

  test('a file deleted while an organize job uses it is reported FILE_NOT_FOUND; the job completes with the others', async () => {
    const ids = await uploadJson(org, [
      { name: 'Invoice 2025-05.pdf', body: await textPdf(['Invoice']) },
      { name: 'gone.txt', body: 'soon gone' },
      { name: 'Receipt 2025-05.pdf', body: await textPdf(['Receipt']) },
    ]);
    // The job is recorded while no worker runs, so the file is deleted before the job reaches it.
    await ts.server.ctx.workflows.stop();
    let jobId: string;
    try {
      const created = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
      assert.equal(created.status, 201);
      jobId = created.body.jobId as string;
      assert.equal((await org.call('DELETE', `/api/v1/files/${ids[1]!}`)).status, 204);
    } finally {
      ts.server.ctx.workflows.start();
    }
    const job = await waitForJob(org, jobId);
    assert.deepEqual([job.status, job.organized, job.failed], ['completed', 2, 1]);
    assert.deepEqual((job.errors as Msg[]).map((e) => [e.fileId, e.code]), [[ids[1], 'FILE_NOT_FOUND']]);
    assert.deepEqual(await event('error', (m) => m.jobId === jobId), { type: 'error', jobId, error: `File ${ids[1]!} no longer exists`, code: 'FILE_NOT_FOUND' });
  });

  test('a file deleted while the job reads its content (OCR) is FILE_NOT_FOUND too, and nothing crashes', async () => {
    const ids = await uploadJson(org, [{ name: 'scan0003.pdf', body: await scannedPdf(['RECEIPT', 'Date: 04/18/2025', 'Subtotal 23.50', 'Thank you for your purchase']) }]);
    const created = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
    assert.equal((await org.call('DELETE', `/api/v1/files/${ids[0]!}`)).status, 204);
    const job = await waitForJob(org, created.body.jobId as string);
    assert.deepEqual([job.status, job.organized, job.failed], ['completed', 0, 1]);
    assert.equal((job.errors as Msg[])[0]?.code, 'FILE_NOT_FOUND');
    assert.equal((await org.call('GET', '/api/v1/files?limit=1')).status, 200, 'the server still answers');
  });
});
