// SigV4 query-string presigning of S3 UploadPart, written from AWS's documented algorithm
// ("Authenticating Requests: Using Query Parameters (AWS Signature Version 4)") with
// node:crypto. The part URL is the hot path of every protocol; the SDK's getSignedUrl runs
// a whole command pipeline (serialise, endpoint rules, middleware) for it, about 200 µs a
// URL, where the HMACs themselves take a few µs. Everything that is not per part comes from
// the SDK once: where requests go (endpoint rules: path or virtual-host style, the endpoint's
// path) and the credential scope's region and service, read off one URL the SDK signed. The
// signing key is derived once per day (it depends on the date, region and service only).
// test/unit/s3-query-signer.test.ts checks the URLs equal the SDK's for the same inputs.
import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

/** Where and as what the SDK signs this bucket's object requests. */
export interface ObjectEndpoint {
  /** `http:` or `https:` */
  protocol: string;
  /** The Host header, with a non-default port. */
  host: string;
  /** Path up to (without) the object key: '/bucket' path-style, '' virtual-hosted, plus an endpoint's own path. */
  basePath: string;
  region: string;
  service: string;
}

export interface UploadPartUrlInput {
  key: string;
  uploadId: string;
  part: number;
  expiresInSeconds: number;
  /** ms since epoch. */
  signedAt: number;
  /** Lower-case header names and values to sign besides host; the client must send them. */
  headers: ReadonlyMap<string, string>;
}

export interface QuerySigner {
  uploadPartUrl(input: UploadPartUrlInput): string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
// S3 presigned URLs do not sign the body.
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding as SigV4 wants it: encodeURIComponent plus !'()*. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object key as a path: each segment escaped, the slashes kept (S3 does not normalise paths). */
function keyPath(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

/** 20261201T120000Z: ISO 8601 basic format, whole seconds. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

// node's one-shot hash (Node ≥ 20.12) digests the canonical request without a Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex = oneShot ? (data: string) => oneShot('sha256', data, 'hex') : (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** The endpoint an SDK-signed URL for the object key `probeKey` went to. */
export function endpointFromSignedUrl(signedUrl: string, probeKey: string): ObjectEndpoint {
  const url = new URL(signedUrl);
  const suffix = `/${keyPath(probeKey)}`;
  if (!url.pathname.endsWith(suffix)) throw new Error(`cannot find the object key in the SDK's URL ${url.origin}${url.pathname}`);
  // AKID/20261201/us-east-1/s3/aws4_request
  const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
  const [region, service] = [scope.at(-3), scope.at(-2)];
  if (!region || !service) throw new Error('the SDK URL carries no credential scope');
  return { protocol: url.protocol, host: url.host, basePath: url.pathname.slice(0, -suffix.length), region, service };
}

export function createQuerySigner(endpoint: ObjectEndpoint, credentials: { accessKeyId: string; secretAccessKey: string }): QuerySigner {
  // Everything that changes by the day only: the signing key, the scope and the escaped credential.
  let daily: { day: string; key: Buffer; scope: string; credential: string } | undefined;
  const dailyFor = (day: string) => {
    if (daily?.day !== day) {
      const dated = hmac(`AWS4${credentials.secretAccessKey}`, day);
      const scope = `${day}/${endpoint.region}/${endpoint.service}/aws4_request`;
      daily = { day, key: hmac(hmac(hmac(dated, endpoint.region), endpoint.service), 'aws4_request'), scope, credential: escapeUri(`${credentials.accessKeyId}/${scope}`) };
    }
    return daily;
  };
  const origin = `${endpoint.protocol}//${endpoint.host}`;
  // Most signatures of a busy second share its date; formatting it is a good part of the rest.
  let second = Number.NaN;
  let secondDate = '';
  const dateOf = (ms: number) => {
    if (Math.floor(ms / 1000) !== second) {
      second = Math.floor(ms / 1000);
      secondDate = amzDate(ms);
    }
    return secondDate;
  };

  return {
    uploadPartUrl({ key, uploadId, part, expiresInSeconds, signedAt, headers }) {
      const date = dateOf(signedAt);
      const { key: signingKey, scope, credential } = dailyFor(date.slice(0, 8));
      // Canonical headers: names lower-case and sorted, values trimmed with inner runs of
      // whitespace folded (as the SDK's signer does).
      const signed = new Map(headers);
      signed.set('host', endpoint.host);
      const names = [...signed.keys()].sort();
      const canonicalHeaders = names.map((name) => `${name}:${(signed.get(name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
      const signedHeaders = names.join(';');
      // Already in canonical (code-unit) order of the escaped names; the URL keeps this order.
      const before = `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}&X-Amz-Credential=${credential}&X-Amz-Date=${date}&X-Amz-Expires=${expiresInSeconds}`;
      const after = `X-Amz-SignedHeaders=${escapeUri(signedHeaders)}&partNumber=${part}&uploadId=${escapeUri(uploadId)}&x-id=UploadPart`;
      const path = `${endpoint.basePath}/${keyPath(key)}`;
      const canonicalRequest = `PUT\n${path}\n${before}&${after}\n${canonicalHeaders}\n${signedHeaders}\n${UNSIGNED_PAYLOAD}`;
      const stringToSign = `${ALGORITHM}\n${date}\n${scope}\n${sha256Hex(canonicalRequest)}`;
      const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
      // X-Amz-Signature sorts between X-Amz-Expires and X-Amz-SignedHeaders.
      return `${origin}${path}?${before}&X-Amz-Signature=${signature}&${after}`;
    },
  };
}
