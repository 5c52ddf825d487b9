// Every route of API v1, once: the router mounts these and the OpenAPI document
// describes these, so neither can have a route the other lacks.
import type { RequestHandler } from 'express';
import * as schemas from '../../../schemas/v1/requests.js';
import type { RouteDeps } from '../../http/route-deps.js';
import { blobRoute } from './routes/blobs.js';
import { completeSessionRoute, confirmBlobRoute, createSessionRoute, sessionRoute } from './routes/sessions.js';
import { completeRoute, copyPartRoute, destroyRoute, initiateRoute, partsRoute, recordRoute, statusRoute } from './routes/uploads.js';

export interface V1Route {
  method: 'get' | 'head' | 'post' | 'put' | 'delete';
  /** Express path; `:name` segments become OpenAPI `{name}`. */
  path: string;
  summary: string;
  handler: (deps: RouteDeps) => RequestHandler;
  body?: object;
  query?: object;
  params?: object;
  /** Who may call it besides a user: the upload's or session's token. */
  uploadToken: boolean;
  responses: Record<string, { description: string; json?: object; headers?: string[] }>;
}

const SIGNED_PART = {
  type: 'object',
  required: ['number', 'method', 'url', 'headers', 'expires_at'],
  properties: { number: { type: 'integer' }, method: { type: 'string' }, url: { type: 'string' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, expires_at: { type: 'string', format: 'date-time' }, checks: { type: 'object', description: 'each checksum signed in, and whether the store enforces it, checks it if sent, or ignores it', additionalProperties: { enum: ['enforced', 'if-sent', 'unchecked'] } } },
};
const BLOB = { type: 'object', required: ['sha256', 'size', 'key'], properties: { sha256: { type: ['string', 'null'] }, size: { type: 'integer' }, mime: { type: 'string' }, key: { type: 'string' } } };
const SESSION = { type: 'object', required: ['uploadSessionId', 'blobs'], properties: { uploadSessionId: { type: 'string' }, uploadToken: { type: 'string' }, state: { type: 'string' }, expires_at: { type: 'string' }, blobs: { type: 'array', items: { type: 'object' } } } };

export const V1_ROUTES: V1Route[] = [
  {
    method: 'post', path: '/uploads', summary: 'Initiate an upload (or find the verified blob already stored)', handler: initiateRoute, body: schemas.initiateBody, query: schemas.initiateQuery, uploadToken: false,
    responses: {
      '202': { description: 'Created: sign its parts next', headers: ['Upload-ID', 'Upload-Token', 'Range'], json: { type: 'object', required: ['id', 'upload_token', 'strategy', 'part_size', 'part_count', 'expires_at'], properties: { id: { type: 'string' }, upload_token: { type: 'string' }, strategy: { enum: ['single', 'multipart'] }, part_size: { type: 'integer' }, part_count: { type: 'integer' }, expires_at: { type: 'string', format: 'date-time' } } } },
      '200': { description: 'Already present: a complete record sharing the verified blob; nothing to send', headers: ['Upload-ID'], json: { type: 'object', required: ['id', 'already_present', 'blob'], properties: { id: { type: 'string' }, already_present: { const: true }, blob: BLOB } } },
    },
  },
  { method: 'post', path: '/uploads/:id/parts', summary: 'Sign parts (many at once)', handler: partsRoute, body: schemas.partsBody, uploadToken: true, responses: { '200': { description: 'Signed requests to send the parts to the store', json: { type: 'object', required: ['parts'], properties: { parts: { type: 'array', items: SIGNED_PART } } } } } },
  { method: 'post', path: '/uploads/:id/parts/:n/copy', summary: 'Copy a part from a range of a stored blob (seed 004)', handler: copyPartRoute, body: schemas.copyPartBody, params: schemas.partNumberParam, uploadToken: true, responses: { '200': { description: 'The store copied the range into the part', json: { type: 'object', required: ['number', 'size'], properties: { number: { type: 'integer' }, size: { type: 'integer' }, md5: { type: 'string' } } } } } },
  { method: 'post', path: '/uploads/:id/complete', summary: 'Commit, verify size and digest, complete', handler: completeRoute, query: schemas.completeQuery, uploadToken: true, responses: { '201': { description: 'Complete and verified', json: { type: 'object', required: ['id', 'sha256', 'size', 'verified'], properties: { id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, verified: { enum: ['store', 'read-back', 'declared'] } } } } } },
  { method: 'get', path: '/uploads/:id/status', summary: 'What the store holds', handler: statusRoute, uploadToken: true, responses: { '204': { description: 'Status in headers', headers: ['Upload-ID', 'Range', 'Upload-Expires'] } } },
  { method: 'get', path: '/uploads/:id', summary: 'The upload record', handler: recordRoute, uploadToken: true, responses: { '200': { description: 'The record', json: { type: 'object', required: ['id', 'state'] } } } },
  { method: 'post', path: '/uploads/:id/destroy', summary: 'Abort and delete', handler: destroyRoute, uploadToken: true, responses: { '204': { description: 'Nothing of it remains' } } },
  { method: 'delete', path: '/uploads/:id', summary: 'Abort and delete', handler: destroyRoute, uploadToken: true, responses: { '204': { description: 'Nothing of it remains' } } },
  { method: 'get', path: '/blobs/:digest', summary: 'Download a blob by its SHA-256', handler: blobRoute, params: schemas.digestParam, uploadToken: false, responses: { '303': { description: 'To a presigned GET naming the file', headers: ['Location'] } } },
  { method: 'head', path: '/blobs/:digest', summary: 'Whether a blob may be downloaded', handler: blobRoute, params: schemas.digestParam, uploadToken: false, responses: { '303': { description: 'To a presigned GET naming the file', headers: ['Location'] } } },
  { method: 'post', path: '/upload-sessions', summary: 'Create an upload session of blobs addressed by SHA-256', handler: createSessionRoute, body: schemas.createSessionBody, uploadToken: false, responses: { '201': { description: 'Which blobs are present, and an upload for each of the others', json: SESSION } } },
  { method: 'put', path: '/upload-sessions/:sid/blobs/:sha256', summary: 'Verify one blob of the session (its bytes went to the store)', handler: confirmBlobRoute, params: schemas.sessionBlobParam, uploadToken: true, responses: { '200': { description: 'Verified or already present', json: { type: 'object', required: ['uploadSessionId', 'alreadyPresent', 'blob'], properties: { uploadSessionId: { type: 'string' }, alreadyPresent: { type: 'boolean' }, blob: BLOB } } } } },
  { method: 'get', path: '/upload-sessions/:sid', summary: 'The session and each blob’s state', handler: sessionRoute, uploadToken: true, responses: { '200': { description: 'The session', json: SESSION } } },
  { method: 'post', path: '/upload-sessions/:sid/complete', summary: 'Complete the session when every blob is present', handler: completeSessionRoute, uploadToken: true, responses: { '200': { description: 'Complete', json: SESSION } } },
];

export const ERROR_SCHEMA = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
