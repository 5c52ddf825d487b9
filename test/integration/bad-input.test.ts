// Every bad input a client can send gets the documented 4xx with
// {error, message} — never a 500, never a crash.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestBroker } from '../support/broker.js';
import { BASE, md5b64, MiB } from '../support/protocol-driver.js';

const TiB = 1024 ** 4;
const goodMd5 = md5b64(Buffer.from('x'));

describe('bad input', () => {
  let broker: TestBroker;
  let direct: string;
  let chunkedS3: string;
  let chunkedAzure: string;

  beforeAll(async () => {
    broker = buildBroker({
      storages: storageConfigs(await freshStores(), {
        s3: { filters: { extensions: ['bin', 'txt', 'pdf', 'mp4'], mimes: ['application/*', 'text/plain', 'video/mp4'], maxFileSize: TiB } },
      }),
    });
    const alice = broker.as('alice');
    direct = (await alice.create(Buffer.from('small'), { file_name: 'small.txt' })).upload_id;
    chunkedS3 = (await alice.post('/', { file_name: 'big.bin', file_size: 20 * MiB, file_id: goodMd5 })).body.upload_id;
    chunkedAzure = (await alice.post('/', { file_name: 'big.bin', file_size: 20 * MiB, file_id: goodMd5, storage_id: 'azure' })).body.upload_id;
  });

  const cases: Array<[string, (b: TestBroker) => request.Test, number, string]> = [
    // GET /new
    ['new: missing file_name', (b) => b.as('alice').get('/new?file_size=1'), 400, 'bad_request'],
    ['new: negative size', (b) => b.as('alice').get('/new?file_name=a.txt&file_size=-1'), 400, 'bad_request'],
    ['new: size not a number', (b) => b.as('alice').get('/new?file_name=a.txt&file_size=ten'), 400, 'bad_request'],
    ['new: absurd size', (b) => b.as('alice').get('/new?file_name=a.txt&file_size=99999999999999999999'), 400, 'bad_request'],
    ['new: unusable name', (b) => b.as('alice').get('/new?file_name=***&file_size=1'), 400, 'invalid_file'],
    ['new: extension not allowed', (b) => b.as('alice').get('/new?file_name=evil.exe&file_size=1'), 400, 'invalid_file'],
    ['new: mime not allowed', (b) => b.as('alice').get('/new?file_name=a.txt&file_size=1&file_mime=text/html'), 400, 'invalid_file'],
    ['new: malformed mime', (b) => b.as('alice').get('/new?file_name=a.txt&file_size=1&file_mime=nonsense'), 400, 'bad_request'],
    ['new: over the storage maximum', (b) => b.as('alice').get(`/new?file_name=a.bin&file_size=${TiB + 1}`), 413, 'too_large'],
    ['new: unknown storage', (b) => b.as('alice').get('/new?file_name=a.bin&file_size=1&storage_id=nope'), 400, 'bad_request'],
    // POST /
    ['create: array body', (b) => b.as('alice').post('/', []), 400, 'bad_request'],
    ['create: missing file_id', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1 }), 400, 'bad_request'],
    ['create: file_id not an MD5', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: 'abc' }), 400, 'bad_request'],
    ['create: file_id of 15 bytes', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: Buffer.alloc(15).toString('base64') }), 400, 'bad_request'],
    ['create: negative size', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: -5, file_id: goodMd5 }), 400, 'bad_request'],
    ['create: fractional size', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1.5, file_id: goodMd5 }), 400, 'bad_request'],
    ['create: size string with letters', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: '12a', file_id: goodMd5 }), 400, 'bad_request'],
    ['create: 6 TiB fits Azure limits', (b) => b.as('alice').post('/', { file_name: 'a.bin', file_size: 6 * TiB, file_id: goodMd5, storage_id: 'azure' }), 200, ''],
    ['create: over the storage maximum', (b) => b.as('alice').post('/', { file_name: 'a.bin', file_size: TiB + 1, file_id: goodMd5 }), 413, 'too_large'],
    ['create: bad permissions', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: goodMd5, permissions: 'root' }), 400, 'bad_request'],
    ['create: public not boolean', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: goodMd5, public: 'yes' }), 400, 'bad_request'],
    ['create: tags not a list', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: goodMd5, tags: 'a,b' }), 400, 'bad_request'],
    ['create: name too long', (b) => b.as('alice').post('/', { file_name: `${'a'.repeat(2000)}.txt`, file_size: 1, file_id: goodMd5 }), 400, 'bad_request'],
    ['create: extension not allowed', (b) => b.as('alice').post('/', { file_name: 'run.sh', file_size: 1, file_id: goodMd5 }), 400, 'invalid_file'],
    ['create: expires not positive', (b) => b.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: goodMd5, expires: 0 }), 400, 'bad_request'],
    // PATCH /:id and GET /:id/edit
    ['patch: part 0', (b) => b.as('alice').patch(`/${chunkedAzure}?part=0&file_id=${encodeURIComponent(goodMd5)}`), 400, 'bad_request'],
    ['patch: part not a number', (b) => b.as('alice').patch(`/${chunkedAzure}?part=two&file_id=${encodeURIComponent(goodMd5)}`), 400, 'bad_request'],
    ['patch: part 10,001 on S3', (b) => b.as('alice').patch(`/${chunkedS3}?part=10001&file_id=${encodeURIComponent(goodMd5)}`, { resumable_id: 'x' }), 400, 'bad_request'],
    ['patch: part 50,001', (b) => b.as('alice').patch(`/${chunkedAzure}?part=50001&file_id=${encodeURIComponent(goodMd5)}`), 400, 'bad_request'],
    ['patch: file_id not an MD5', (b) => b.as('alice').patch(`/${chunkedAzure}?part=1&file_id=zzz`), 400, 'bad_request'],
    ['patch: part_list of strings', (b) => b.as('alice').patch(`/${chunkedAzure}?part=1&file_id=${encodeURIComponent(goodMd5)}`, { part_list: ['one'] }), 400, 'bad_request'],
    ['patch: part_data md5 not an MD5', (b) => b.as('alice').patch(`/${chunkedAzure}`, { part_data: [{ part: 1, md5: 'nope' }] }), 400, 'bad_request'],
    ['patch: part without file_id', (b) => b.as('alice').patch(`/${chunkedAzure}?part=1`), 400, 'bad_request'],
    ['patch: a direct upload has no parts', (b) => b.as('alice').patch(`/${direct}?part=1&file_id=${encodeURIComponent(goodMd5)}`), 400, 'bad_request'],
    ['patch: finish with nothing signed', (b) => b.as('alice').patch(`/${chunkedAzure}`), 409, 'conflict'],
    ['patch: unknown id', (b) => b.as('alice').patch(`/uploads-nope?part=1&file_id=${encodeURIComponent(goodMd5)}`), 404, 'not_found'],
    ['edit: no part', (b) => b.as('alice').get(`/${chunkedAzure}/edit`), 400, 'bad_request'],
    ['edit: part without file_id', (b) => b.as('alice').get(`/${chunkedAzure}/edit?part=1`), 400, 'bad_request'],
    // PUT, GET /:id/url, GET /
    ['finalize: unknown id', (b) => b.as('alice').put('/uploads-nope'), 404, 'not_found'],
    ['url: not complete', (b) => b.as('alice').get(`/${direct}/url`), 409, 'conflict'],
    ['url: negative expiry', (b) => b.as('alice').get(`/${direct}/url?expiry=-5`), 400, 'bad_request'],
    ['list: limit 0', (b) => b.as('alice').get('/?limit=0'), 400, 'bad_request'],
    ['list: negative offset', (b) => b.as('alice').get('/?offset=-1'), 400, 'bad_request'],
    ['list: limit not a number', (b) => b.as('alice').get('/?limit=all'), 400, 'bad_request'],
  ];

  it.each(cases)('%s → %i', async (_name, call, status, code) => {
    const res = await call(broker);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (code) {
      expect(res.body).toEqual({ error: code, message: expect.any(String) });
      expect(res.body.message.length).toBeGreaterThan(5);
    }
  });

  it('S3: a part before the UploadId is reported is a conflict', async () => {
    const fresh = await broker.as('alice').post('/', { file_name: 'fresh.bin', file_size: 20 * MiB, file_id: goodMd5 });
    const res = await broker.as('alice').patch(`/${fresh.body.upload_id}?part=1&file_id=${encodeURIComponent(goodMd5)}`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('no multipart upload id') });
  });

  it('a part_data MD5 different from the signed one is a conflict, not an overwrite', async () => {
    const alice = broker.as('alice');
    const signedMd5 = md5b64(Buffer.from('part one'));
    expect((await alice.patch(`/${chunkedAzure}?part=1&file_id=${encodeURIComponent(signedMd5)}`)).status).toBe(200);
    const res = await alice.patch(`/${chunkedAzure}?part=2&file_id=${encodeURIComponent(goodMd5)}`, { part_list: [1], part_data: [{ part: 1, md5: goodMd5 }] });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
    const status = await alice.get(`/${chunkedAzure}`);
    expect(status.body.parts_signed).toEqual([1]);
    expect(status.body.part_list).toEqual([]);
    // Hex spelling of the same digest is accepted, and the MD5 on record is still the signed one.
    const hex = Buffer.from(signedMd5, 'base64').toString('hex');
    expect((await alice.patch(`/${chunkedAzure}`, { part_data: [{ part: 1, md5_hex: hex }] })).status).toBe(200);
    const after = await alice.get(`/${chunkedAzure}`);
    expect(after.body.part_list).toEqual([1]);
    expect(after.body.part_data['1']).toMatchObject({ part: 1, md5: signedMd5, md5_hex: hex });
  });

  it('malformed JSON, wrong content types and unknown routes get JSON 4xx', async () => {
    const key = USERS.alice.key;
    const malformed = await request(broker.app).post(`${BASE}/`).set('X-API-Key', key).set('Content-Type', 'application/json').send('{"file_name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'bad_request', message: 'request body is not valid JSON' });
    const text = await request(broker.app).post(`${BASE}/`).set('X-API-Key', key).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBe(400);
    const huge = await request(broker.app).post(`${BASE}/`).set('X-API-Key', key).set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(9 * MiB)}"}`);
    expect(huge.status).toBe(413);
    const unknown = await request(broker.app).get('/nope').set('X-API-Key', key);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
  });

  it('a file_size given as a numeric string is accepted (PlaceOS clients send both)', async () => {
    const res = await broker.as('alice').post('/', { file_name: 'str.txt', file_size: '1024', file_id: goodMd5 });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('direct_upload');
  });
});
