// Drives Uppy Companion's S3 protocol the way @uppy/aws-s3 does
// (../shared/reference/uppy-s3-protocol.md): supertest against the broker's
// Uppy routes, and plain fetch with no headers to the store for the parts.
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { USERS, type UserName } from './broker.js';

/** Where test brokers mount the protocol (DEFAULT_COMPANION.basePath). */
export const UPPY_BASE = '/uppy';

export interface UploadHandle {
  key: string;
  uploadId: string;
}

export interface PartClaim {
  PartNumber: number;
  ETag: string;
}

/** `?key=…`, or nothing when the key is left out. */
function keyQuery(key: string | undefined): string {
  return key === undefined ? '' : `?${new URLSearchParams({ key })}`;
}

/** One minted Uppy endpoint (`<basePath>/<token>`), and the calls Uppy makes under it. */
export class UppyEndpoint {
  constructor(readonly app: Express, readonly endpoint: string, readonly token: string, readonly expiresAt: string) {}

  /** GET /s3/params with this query (filename, type, metadata[…]). */
  params(query: Record<string, string>) {
    return request(this.app).get(`${this.endpoint}/s3/params?${new URLSearchParams(query)}`);
  }

  /** POST /s3/multipart with the body Uppy sends. */
  createMultipart(filename: string, type = 'application/octet-stream') {
    return request(this.app).post(`${this.endpoint}/s3/multipart`).send({ filename, type, metadata: { name: filename, type } });
  }

  /** POST /s3/multipart; expects 200 {key, uploadId}. */
  async start(filename: string): Promise<UploadHandle> {
    const res = await this.createMultipart(filename);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ key: expect.any(String), uploadId: expect.any(String) });
    return res.body as UploadHandle;
  }

  signPart(uploadId: string, partNumber: number | string, key?: string) {
    return request(this.app).get(`${this.endpoint}/s3/multipart/${uploadId}/${partNumber}${keyQuery(key)}`);
  }

  listParts(uploadId: string, key?: string) {
    return request(this.app).get(`${this.endpoint}/s3/multipart/${uploadId}${keyQuery(key)}`);
  }

  complete(uploadId: string, key: string | undefined, parts: PartClaim[]) {
    return request(this.app).post(`${this.endpoint}/s3/multipart/${uploadId}/complete${keyQuery(key)}`).send({ parts });
  }

  abort(uploadId: string, key?: string) {
    return request(this.app).delete(`${this.endpoint}/s3/multipart/${uploadId}${keyQuery(key)}`);
  }

  /** Signs part N and PUTs the bytes there as Uppy does; returns the ETag response header as sent. */
  async uploadPart(upload: UploadHandle, partNumber: number, bytes: Uint8Array): Promise<string> {
    const signed = await this.signPart(upload.uploadId, partNumber, upload.key);
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    return putPart(signed.body.url as string, bytes);
  }
}

/** POST <basePath>/tokens as this user; expects 201. */
export async function mintEndpoint(app: Express, user: UserName, body: object = {}): Promise<UppyEndpoint> {
  const res = await request(app).post(`${UPPY_BASE}/tokens`).set('X-API-Key', USERS[user].key).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const minted = res.body as { token: string; endpoint: string; expires_at: string };
  expect(minted.endpoint).toBe(`${UPPY_BASE}/${minted.token}`);
  return new UppyEndpoint(app, minted.endpoint, minted.token, minted.expires_at);
}

/** PUT a part to its presigned URL with no headers (Uppy's S3 client sends none); expects 200, returns the ETag header. */
export async function putPart(url: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(url, { method: 'PUT', body: bytes as BodyInit });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const etag = res.headers.get('etag');
  expect(etag).toBeTruthy();
  return etag as string;
}

/** Polls `read` until `done` holds for its value, or fails naming `what` after the deadline. */
export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, deadlineMs = 10_000): Promise<T> {
  const stop = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
