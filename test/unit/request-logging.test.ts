// The request line: pino-http's fields, credentials censored as pino censors them, the
// url as the describer gives it, and which of completed / errored it was.
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestLogging } from '../../src/http/request-logging.js';

async function logged(send: (app: express.Express) => Promise<unknown>): Promise<Array<Record<string, any>>> {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = express();
  app.use(requestLogging(pino({ level: 'info' }, stream), { redact: { request: ['authorization', 'x-api-key'], response: ['location'] }, url: (url) => url.replace(/secret/g, '<hidden>') }));
  app.get('/to', (_req, res) => void res.redirect(303, 'https://store.example/object?X-Amz-Signature=abc'));
  app.get('/fails', (_req, res) => void res.status(502).json({ error: 'store_failed' }));
  await send(app);
  return lines;
}

describe('requestLogging', () => {
  it('writes the request and the answer with credential headers censored, and leaves absent ones absent', async () => {
    const [line] = await logged((app) => request(app).get('/to?secret=1').set('X-API-Key', 'key-1').set('X-Other', 'kept'));
    expect(line).toMatchObject({ level: 30, msg: 'request completed', req: { id: 1, method: 'GET', url: '/to?<hidden>=1', query: { secret: '1' }, params: {}, remoteAddress: expect.any(String) }, res: { statusCode: 303 } });
    expect(Object.keys(line!['req'])).toEqual(['id', 'method', 'url', 'query', 'params', 'headers', 'remoteAddress', 'remotePort']);
    expect(line!['req'].headers).toMatchObject({ 'x-api-key': '[Redacted]', 'x-other': 'kept' });
    expect(line!['req'].headers).not.toHaveProperty('authorization');
    expect(line!['res'].headers.location).toBe('[Redacted]');
    expect(JSON.stringify(line)).not.toContain('abc');
    expect(line!['responseTime']).toEqual(expect.any(Number));
  });

  it('counts requests in their ids and calls a 5xx answer errored, once', async () => {
    const lines = await logged(async (app) => {
      await request(app).get('/to').set('Authorization', 'Bearer t');
      await request(app).get('/fails');
    });
    expect(lines.map((line) => [line['req'].id, line['msg'], line['res'].statusCode])).toEqual([
      [1, 'request completed', 303],
      [2, 'request errored', 502],
    ]);
    expect(lines[0]!['req'].headers.authorization).toBe('[Redacted]');
    expect(lines[1]!['err'].message).toBe('failed with status code 502');
  });
});
