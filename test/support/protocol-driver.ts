// Drives the uploads API the way a client does, for integration tests:
// supertest against the broker, fetch against the store with the signatures
// the broker hands out. No shortcuts around the protocol.
import { createHash, randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { CreateUploadBody } from '../../schemas/placeos/requests.js';
import { expect } from 'vitest';

export const BASE = '/api/engine/v2/uploads';
export const MiB = 1024 * 1024;

export interface WireSignature {
  verb: string;
  url: string;
  headers: Record<string, string>;
}

export const md5b64 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

/** Random (incompressible) test bytes. */
export function testBytes(size: number): Buffer {
  return randomBytes(size);
}

/** Send a signed request to the store exactly as the broker described it. */
export async function sendSigned(signature: WireSignature, body?: Uint8Array | string, overrideHeaders: Record<string, string> = {}): Promise<Response> {
  return fetch(signature.url, { method: signature.verb, headers: { ...signature.headers, ...overrideHeaders }, ...(body === undefined ? {} : { body: body as BodyInit }) });
}

/** The parts of a file under a part size. */
export function cut(bytes: Buffer, partSize: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += partSize) parts.push(bytes.subarray(offset, offset + partSize));
  return parts;
}

export class Client {
  constructor(readonly app: Express, readonly headers: Record<string, string>) {}

  private with(req: request.Test): request.Test {
    for (const [name, value] of Object.entries(this.headers)) req.set(name, value);
    return req;
  }

  get(path: string) { return this.with(request(this.app).get(`${BASE}${path}`)); }
  post(path: string, body: object) { return this.with(request(this.app).post(`${BASE}${path}`).send(body)); }
  patch(path: string, body: object = {}) { return this.with(request(this.app).patch(`${BASE}${path}`).send(body)); }
  put(path: string) { return this.with(request(this.app).put(`${BASE}${path}`)); }
  delete(path: string) { return this.with(request(this.app).delete(`${BASE}${path}`)); }

  /** POST / for these bytes; expects 200. */
  async create(bytes: Buffer, fields: Partial<CreateUploadBody> = {}) {
    const body: CreateUploadBody = { file_name: 'file.bin', file_size: bytes.length, file_id: md5b64(bytes), ...fields };
    const res = await this.post('/', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { type: string; upload_id: string; signature: WireSignature; residence: string; part_size: number; part_count: number; upload_token: string; part_list?: number[]; resumable_id: string | null };
  }

  /** S3: send the multipart initiation and report the UploadId; Azure: nothing to do. Returns the resumable id to report. */
  async initiate(signature: WireSignature): Promise<string | undefined> {
    if (signature.url === '') return undefined;
    const res = await sendSigned(signature);
    const xml = await res.text();
    expect(res.status, xml).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
    expect(uploadId).toBeTruthy();
    return uploadId;
  }

  /** Create a chunked upload, send its initiation, and cut the file by the broker's plan. */
  async startChunked(bytes: Buffer, fields: Record<string, unknown> = {}) {
    const created = await this.create(bytes, fields);
    const resumableId = await this.initiate(created.signature);
    return {
      created,
      id: created.upload_id,
      parts: cut(bytes, created.part_size),
      resumableId,
      /** The body of the first PATCH: it reports the S3 UploadId. */
      firstBody: resumableId === undefined ? {} : { resumable_id: resumableId },
    };
  }

  /** Sign and send each given part (1-based numbers), expecting the store to accept every one. */
  async uploadParts(id: string, parts: Buffer[], numbers: number[], firstBody: object = {}): Promise<void> {
    for (const [index, number] of numbers.entries()) {
      expect(await this.uploadPart(id, number, parts[number - 1] as Buffer, index === 0 ? firstBody : {})).toBeLessThan(300);
    }
  }

  /** PATCH ?part=N&file_id=md5 → the part's signature. */
  async signPart(id: string, part: number, bytes: Buffer, body: object = {}) {
    const res = await this.patch(`/${id}?part=${part}&file_id=${encodeURIComponent(md5b64(bytes))}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.type).toBe('part_upload');
    return res.body.signature as WireSignature;
  }

  /** Sign and send one part; returns the store's status. */
  async uploadPart(id: string, part: number, bytes: Buffer, body: object = {}): Promise<number> {
    const signature = await this.signPart(id, part, bytes, body);
    const res = await sendSigned(signature, bytes);
    await res.arrayBuffer();
    return res.status;
  }

  /** PATCH without part → finish signature and body. */
  async finish(id: string, body: object = {}) {
    const res = await this.patch(`/${id}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.type).toBe('finish');
    return res.body as { signature: WireSignature; body: string };
  }

  /** Follow GET /:id/url and return the object's bytes. */
  async download(id: string): Promise<Buffer> {
    const res = await this.get(`/${id}/url`);
    expect(res.status, JSON.stringify(res.body)).toBe(303);
    const object = await fetch(res.headers['location'] as string);
    expect(object.status).toBe(200);
    return Buffer.from(await object.arrayBuffer());
  }

  /** A whole upload from create to finalize; returns the upload id. */
  async uploadWhole(bytes: Buffer, fields: Record<string, unknown> = {}): Promise<string> {
    const created = await this.create(bytes, fields);
    const id = created.upload_id;
    if (created.type === 'direct_upload') {
      const res = await sendSigned(created.signature, bytes);
      expect(res.status, await res.text()).toBeLessThan(300);
    } else {
      const resumableId = await this.initiate(created.signature);
      const parts = cut(bytes, created.part_size);
      for (const [index, part] of parts.entries()) {
        expect(await this.uploadPart(id, index + 1, part, index === 0 && resumableId ? { resumable_id: resumableId } : {})).toBeLessThan(300);
      }
      const finish = await this.finish(id, { part_list: parts.map((_, i) => i + 1) });
      const commit = await sendSigned(finish.signature, finish.body);
      expect(commit.status, await commit.text()).toBeLessThan(300);
    }
    const done = await this.put(`/${id}`);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    return id;
  }
}
