// Drives API v1 the way a client does: initiate, sign the parts in one batch,
// send them to the store with the signed headers, complete with the digest.
import { createHash } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { cut, md5b64, sendSigned } from './protocol-driver.js';

export const V1 = '/api/v1';
export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface SignedPart {
  number: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

export class V1Client {
  constructor(readonly app: Express, readonly headers: Record<string, string>) {}

  private with(req: request.Test): request.Test {
    for (const [name, value] of Object.entries(this.headers)) req.set(name, value);
    return req;
  }

  get(path: string) { return this.with(request(this.app).get(`${V1}${path}`)); }
  head(path: string) { return this.with(request(this.app).head(`${V1}${path}`)); }
  post(path: string, body?: object) { return this.with(request(this.app).post(`${V1}${path}`).send(body)); }
  put(path: string) { return this.with(request(this.app).put(`${V1}${path}`)); }
  delete(path: string) { return this.with(request(this.app).delete(`${V1}${path}`)); }

  /** POST /uploads; returns the response (202 new, 200 already present). */
  initiate(fields: Record<string, unknown>) {
    return this.post('/uploads', fields);
  }

  /** Signs every part of a 202 answer in one batch (with MD5 and SHA-256 unless told not to) and sends them. */
  async sendParts(id: string, bytes: Buffer, plan: { part_size: number; part_count: number }, options: { md5?: boolean; sha256?: boolean } = {}): Promise<number[]> {
    const parts = plan.part_count === 1 ? [bytes] : cut(bytes, plan.part_size);
    expect(parts).toHaveLength(plan.part_count);
    const body = { parts: parts.map((p, i) => ({ number: i + 1, ...(options.md5 === false ? {} : { md5: md5b64(p) }), ...(options.sha256 === false ? {} : { sha256: sha256Hex(p) }) })) };
    const signed = await this.post(`/uploads/${id}/parts`, body);
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    const statuses = await Promise.all((signed.body.parts as SignedPart[]).map(async (p) => (await sendSigned({ verb: p.method, url: p.url, headers: p.headers }, parts[p.number - 1])).status));
    return statuses;
  }

  /** Initiate, send every part, complete with the digest: the 201 body. */
  async upload(bytes: Buffer, fields: Record<string, unknown> = {}) {
    const created = await this.initiate({ filename: 'blob.bin', size: bytes.length, ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    for (const status of await this.sendParts(created.body.id, bytes, created.body)) expect(status).toBeLessThan(300);
    const done = await this.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    return done.body as { id: string; sha256: string; size: number; verified: string };
  }

  /** GET /blobs/:digest, following the 303 to the store: the bytes. */
  async download(sha256: string): Promise<Buffer> {
    const res = await this.get(`/blobs/${sha256}`);
    expect(res.status, JSON.stringify(res.body)).toBe(303);
    const stored = await fetch(res.headers['location'] as string);
    expect(stored.status).toBe(200);
    return Buffer.from(await stored.arrayBuffer());
  }
}
