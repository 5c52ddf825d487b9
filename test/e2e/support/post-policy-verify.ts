// The checks AWS documents for a browser-based upload with POST (Signature
// Version 4), for post-policy-gateway.ts: the form's Policy is base64 JSON
// {expiration, conditions}, signed as hex(HMAC-SHA256(signing key, the base64
// Policy text)) with the SigV4 signing key of the credential's scope; every
// condition must hold and every form field (other than x-amz-signature, file,
// policy and x-ignore-*) must be covered by one. Field names compare
// case-insensitively, as S3 does; values compare exactly.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface StoreCredentials {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PostForm {
  /** Field values by lowercased name. */
  fields: Map<string, string>;
  /** Lowercased names in the order they came, `file` included. */
  order: string[];
  file: Buffer | undefined;
}

/** What the form asks to store with the object, as PutObject input. */
export interface StoredObjectFields {
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  Metadata?: Record<string, string>;
}

export type Verdict =
  | { ok: true; key: string; object: StoredObjectFields; successStatus: 200 | 201 | 204 }
  | { ok: false; status: number; code: string; message: string };

const EXEMPT = new Set(['x-amz-signature', 'file', 'policy']);

export function verifyPostPolicy(form: PostForm, context: { bucket: string; now: Date; store: StoreCredentials }): Verdict {
  const denied = (message: string): Verdict => ({ ok: false, status: 403, code: 'AccessDenied', message });
  const invalid = (message: string): Verdict => ({ ok: false, status: 400, code: 'InvalidArgument', message });
  const { fields } = form;

  if (form.file === undefined) return invalid('POST requires exactly one file upload per request');
  if (form.order.at(-1) !== 'file') return denied('the file must be the last field of the form');
  const key = fields.get('key');
  if (key === undefined || key === '') return invalid('Bucket POST must contain a field named "key"');
  if (key.includes('${filename}')) return invalid('${filename} in the key is not supported by this gateway');
  const policyText = fields.get('policy');
  if (policyText === undefined) return denied('Bucket POST must contain a field named "Policy" (anonymous POST is not allowed)');

  // Signature first, as S3 does: nothing in an unsigned policy is trusted.
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return denied('X-Amz-Algorithm must be AWS4-HMAC-SHA256');
  const amzDate = fields.get('x-amz-date') ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return denied('X-Amz-Date must be YYYYMMDDTHHMMSSZ');
  const [accessKey, scopeDate, region, service, terminal, ...rest] = (fields.get('x-amz-credential') ?? '').split('/');
  if (accessKey !== context.store.accessKeyId) return denied('The AWS Access Key Id you provided does not exist in our records.');
  if (scopeDate !== amzDate.slice(0, 8) || region !== context.store.region || service !== 's3' || terminal !== 'aws4_request' || rest.length > 0) {
    return denied('X-Amz-Credential scope does not match <X-Amz-Date>/<region>/s3/aws4_request');
  }
  const signingKey = ['aws4_request', 's3', region, scopeDate].reduceRight<Buffer>(
    (key, part) => createHmac('sha256', key).update(part).digest(),
    Buffer.from(`AWS4${context.store.secretAccessKey}`),
  );
  const expected = createHmac('sha256', signingKey).update(policyText).digest();
  const given = Buffer.from(fields.get('x-amz-signature') ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return denied('The request signature we calculated does not match the signature you provided.');
  }

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8')) as typeof policy;
  } catch {
    return invalid('Policy is not base64-encoded JSON');
  }
  const expiration = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : NaN;
  if (Number.isNaN(expiration)) return invalid('Policy must have an ISO 8601 expiration');
  if (expiration <= context.now.getTime()) return denied('Invalid according to Policy: Policy expired.');
  if (!Array.isArray(policy.conditions)) return invalid('Policy must have a conditions list');

  const covered = new Set<string>();
  for (const condition of policy.conditions as unknown[]) {
    const failure = checkCondition(condition, form, context.bucket, covered);
    if (failure !== undefined) return denied(`Invalid according to Policy: Policy Condition failed: ${failure}`);
  }
  if (fields.has('bucket') && fields.get('bucket') !== context.bucket) return denied('Invalid according to Policy: the bucket field is not the bucket posted to');
  for (const name of fields.keys()) {
    if (!EXEMPT.has(name) && !name.startsWith('x-ignore-') && !covered.has(name)) {
      return denied(`Invalid according to Policy: Extra input fields: ${name}`);
    }
  }

  const status = fields.get('success_action_status');
  const successStatus = status === '200' ? 200 : status === '201' ? 201 : 204;
  const metadata = Object.fromEntries([...fields].filter(([name]) => name.startsWith('x-amz-meta-')).map(([name, value]) => [name.slice('x-amz-meta-'.length), value]));
  const object: StoredObjectFields = {};
  const optional = { ContentType: 'content-type', CacheControl: 'cache-control', ContentDisposition: 'content-disposition', ContentEncoding: 'content-encoding' } as const;
  for (const [input, name] of Object.entries(optional) as [keyof typeof optional, string][]) {
    const value = fields.get(name);
    if (value !== undefined) object[input] = value;
  }
  if (Object.keys(metadata).length > 0) object.Metadata = metadata;
  return { ok: true, key, object, successStatus };
}

/** undefined when the condition holds; otherwise what failed. Records the field names it covers. */
function checkCondition(condition: unknown, form: PostForm, bucket: string, covered: Set<string>): string | undefined {
  const valueOf = (name: string) => (name === 'bucket' ? bucket : form.fields.get(name));
  if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    const [name, wanted] = entries[0] ?? [];
    if (entries.length !== 1 || name === undefined || typeof wanted !== 'string') return `malformed condition ${JSON.stringify(condition)}`;
    covered.add(name.toLowerCase());
    return valueOf(name.toLowerCase()) === wanted ? undefined : JSON.stringify(condition);
  }
  if (!Array.isArray(condition) || typeof condition[0] !== 'string') return `malformed condition ${JSON.stringify(condition)}`;
  const op = condition[0].toLowerCase();
  if (op === 'content-length-range') {
    const [, min, max] = condition as [string, unknown, unknown];
    if (condition.length !== 3 || typeof min !== 'number' || typeof max !== 'number') return `malformed condition ${JSON.stringify(condition)}`;
    const size = form.file?.length ?? 0;
    return size >= min && size <= max ? undefined : `${JSON.stringify(condition)} (file is ${size} bytes)`;
  }
  const [, field, wanted] = condition as [string, unknown, unknown];
  if (condition.length !== 3 || typeof field !== 'string' || !field.startsWith('$') || typeof wanted !== 'string') return `malformed condition ${JSON.stringify(condition)}`;
  const name = field.slice(1).toLowerCase();
  covered.add(name);
  const value = valueOf(name);
  if (value === undefined) return `${JSON.stringify(condition)} (no such field)`;
  if (op === 'eq') return value === wanted ? undefined : JSON.stringify(condition);
  if (op === 'starts-with') {
    // Content-Type may list several values; each must start with the prefix.
    const values = name === 'content-type' ? value.split(',').map((v) => v.trim()) : [value];
    return values.every((v) => v.startsWith(wanted)) ? undefined : JSON.stringify(condition);
  }
  return `unknown condition ${JSON.stringify(condition)}`;
}
