// The shape of the JSON config file as schemas/config.schema.json describes it
// (wire names). config.ts validates against the schema and maps to Config.
export interface RawStorage {
  id: string;
  type: 's3' | 'azure';
  default?: boolean;
  tenants?: string[];
  bucket?: string;
  region?: string;
  endpoint?: string;
  force_path_style?: boolean;
  access_key_id?: string;
  secret_access_key?: string;
  secret_access_key_file?: string;
  sign_content_length?: boolean;
  container?: string;
  account?: string;
  account_key?: string;
  account_key_file?: string;
  ext_filter?: string[];
  mime_filter?: string[];
  max_file_size?: number;
  verification?: 'store' | 'read-back' | 'declared';
  dedupe?: 'owner' | 'tenant' | 'off';
  checks_sha256?: boolean;
  part_policy?: { min_part_size?: number; max_part_size?: number; part_size_unit?: number; max_part_count?: number };
}

export interface RawConfig {
  base_path?: string;
  v1_base_path?: string;
  demo_page?: boolean;
  trust_proxy?: boolean;
  cors_origins?: string[];
  rate_limits?: { per_user_per_minute?: number; per_tenant_per_minute?: number };
  webhooks?: {
    endpoints: Array<{ url: string; secret?: string; secret_file?: string; events?: Array<'upload.created' | 'upload.completed' | 'upload.aborted' | 'upload.expired'> }>;
    timeout_seconds?: number;
    max_attempts?: number;
    max_age_minutes?: number;
    backoff_initial_seconds?: number;
    backoff_max_seconds?: number;
    visibility_timeout_seconds?: number;
    concurrency?: number;
  };
  server?: {
    request_timeout_seconds?: number;
    headers_timeout_seconds?: number;
    keep_alive_timeout_seconds?: number;
    max_header_bytes?: number;
    max_body_bytes?: number;
    shutdown_grace_seconds?: number;
  };
  companion?: {
    base_path?: string;
    token_secret?: string;
    token_secret_file?: string;
    token_ttl_seconds?: number;
    max_token_ttl_seconds?: number;
  };
  storages: RawStorage[];
  auth: {
    jwt?: {
      hs256_secret?: string;
      hs256_secret_file?: string;
      public_keys?: string[];
      issuer?: string;
      audience?: string;
      user_claim?: string;
      tenant_claim?: string;
      roles_claim?: string;
    };
    api_keys?: Record<string, { user: string; tenant: string; roles?: string[] }>;
  };
  limits?: {
    direct_upload_threshold?: number;
    part_url_expiry_seconds?: number;
    max_upload_expiry_minutes?: number;
    default_read_link_minutes?: number;
    max_read_link_minutes?: number;
    upload_ttl_minutes?: number;
    max_list_limit?: number;
    temporary_ttl_minutes?: number;
    read_back_concurrency?: number;
    max_unfinished_uploads_per_user?: number;
  };
  quotas?: { default_tenant_bytes?: number; tenants?: Record<string, number> };
}

/**
 * The config file's text as a value, or a ConfigError-worthy sentence saying where the JSON
 * breaks (line and column) and what was expected there. JSON.parse's own message is never
 * passed on: for some errors V8 quotes the surrounding text, which may hold a secret.
 */
export function parseConfigText(text: string): { value: unknown } | { error: string } {
  // Editors on Windows may start the file with a byte-order mark; it is not JSON's business.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    const found = locateJsonError(body);
    if (found === undefined) return { error: 'not valid JSON' };
    const before = body.slice(0, found.offset);
    const line = before.split('\n').length;
    const column = found.offset - before.lastIndexOf('\n');
    const what = found.offset >= body.length ? 'the end of the file' : JSON.stringify(body[found.offset]);
    return { error: `not valid JSON at line ${line}, column ${column}: ${found.problem} (found ${what})` };
  }
}

interface JsonSyntaxError {
  offset: number;
  problem: string;
}

class JsonStop extends Error {
  constructor(readonly found: JsonSyntaxError) {
    super(found.problem);
  }
}

/** Where the first syntax error of `text` is (RFC 8259), by a recursive descent that only checks. */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const fail = (problem: string, offset = at): never => {
    throw new JsonStop({ offset, problem });
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else fail('expected a value (a string, number, object, array, true, false or null)');
  };
  const string = () => {
    const start = at++;
    for (;;) {
      if (at >= text.length) fail('a string that starts here is never closed', start);
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c < 0x20) fail('a control character inside a string (a line break must be written \\n)');
      if (c === 0x5c) {
        const next = text[at + 1] ?? '';
        if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if (next !== '' && '"\\/bfnrt'.includes(next)) at += 2;
        else fail('an invalid escape in a string');
      } else at++;
    }
    at++;
  };
  const number = () => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = at;
    if (!match.test(text)) fail('an invalid number');
    at = match.lastIndex;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('nested too deeply');
    space();
    const c = text[at];
    if (c === '{') return members('}', () => {
      if (text[at] !== '"') fail(text[at] === '}' ? 'a comma before "}" (JSON allows no trailing comma)' : 'expected a field name in double quotes');
      string();
      space();
      if (text[at] !== ':') fail('expected ":" after the field name');
      at++;
      value(depth + 1);
    });
    if (c === '[') return members(']', () => {
      if (text[at] === ']') fail('a comma before "]" (JSON allows no trailing comma)');
      value(depth + 1);
    });
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return fail('expected a value (a string, number, object, array, true, false or null)');
  };
  const members = (close: string, member: () => void) => {
    at++;
    space();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      space();
      member();
      space();
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (text[at] === close) {
        at++;
        return;
      }
      fail(`expected "," or "${close}"`);
    }
  };
  try {
    value(0);
    space();
    if (at < text.length) fail('more text after the end of the JSON value');
    return undefined;
  } catch (err) {
    if (err instanceof JsonStop) return err.found;
    throw err;
  }
}
