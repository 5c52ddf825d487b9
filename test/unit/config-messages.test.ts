// A bad config file stops the broker with one sentence an operator can act on: the full path
// of the field as written in the file, what is wrong with it, and never a secret from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';
import { configError, serverEnv } from '../support/config-errors.js';
import { locateJsonError, parseConfigText } from '../../src/config-file.js';

const s3 = { id: 'main', type: 's3', bucket: 'uploads', access_key_id: 'AKIA', secret_access_key: 'secret' };
const azure = { id: 'blob', type: 'azure', container: 'uploads', account: 'acct', account_key: 'a2V5' };
const KEY = 'a-key-of-sixteen-chars';
const auth = { api_keys: { [KEY]: { user: 'u', tenant: 't' } } };


const parse = (raw: unknown) => configError(() => parseConfig(raw, serverEnv, 'test'));
const load = (text: string) => configError(() => loadConfig({ SIGNPOST_CONFIG: '/etc/signpost.json' }, () => text));

describe('schema errors name the full path and the field', () => {
  it('a missing field, with the storage type that needs it', () => {
    expect(parse({ storages: [{ ...s3, bucket: undefined }], auth })).toBe('test: storages[0].bucket is required for a storage of type "s3"');
    expect(parse({ storages: [s3, { ...azure, container: undefined }], auth })).toBe('test: storages[1].container is required for a storage of type "azure"');
    expect(parse({ storages: [{ ...s3, id: undefined }], auth })).toBe('test: storages[0].id is required');
    expect(parse({ storages: [s3] })).toBe('test: auth is required');
    expect(parse({ storages: [s3], auth: { api_keys: { [KEY]: { user: 'u' } } } })).toMatch(/^test: auth\.api_keys\[key 1 of 1 \(starting "a-k…"\)\]\.tenant is required$/);
  });

  it('an unknown field, with the known one it most resembles', () => {
    expect(parse({ storages: [{ ...s3, secret_acess_key: 'x' }], auth })).toBe('test: storages[0]: unknown field "secret_acess_key" (did you mean "secret_access_key"?)');
    expect(parse({ storage: [s3], storages: [s3], auth })).toBe('test: the config: unknown field "storage" (did you mean "storages"?)');
    expect(parse({ storages: [s3], auth: { jwt: { hs256_secret: 'x'.repeat(16), isuer: 'me' } } })).toBe('test: auth.jwt: unknown field "isuer" (did you mean "issuer"?)');
    expect(parse({ storages: [s3], auth, limits: { colour: 'blue' } })).toBe('test: limits: unknown field "colour"');
  });

  it('a wrong type, value or range', () => {
    expect(parse({ storages: [{ ...s3, type: 'gcs' }], auth })).toBe('test: storages[0].type must be one of "s3", "azure"');
    expect(parse({ storages: [{ ...s3, bucket: 5 }], auth })).toBe('test: storages[0].bucket must be a string');
    expect(parse({ storages: [s3], auth, limits: { part_url_expiry_seconds: 0 } })).toBe('test: limits.part_url_expiry_seconds must be >= 1 (it is 0)');
    expect(parse({ storages: [s3], auth, limits: { upload_ttl_minutes: 1.5 } })).toBe('test: limits.upload_ttl_minutes must be an integer');
    expect(parse({ storages: [], auth })).toBe('test: storages must list at least 1 entry');
    expect(parse({ storages: [{ ...s3, tenants: ['acme', ''] }], auth })).toBe('test: storages[0].tenants[1] must not be empty');
    expect(parse([])).toBe('test: the config must be an object');
  });

  it('a secret that is too short is named, never quoted', () => {
    const message = parse({ storages: [s3], auth: { jwt: { hs256_secret: 'hunter2' } } });
    expect(message).toBe('test: auth.jwt.hs256_secret must be at least 16 characters');
    expect(configError(() => parseConfig({ storages: [s3], auth }, { ...serverEnv, jwtSecret: 'hunter2' }))).not.toContain('hunter2');
  });

  it('which API key is too short, by position and a prefix of at most a third of it', () => {
    const keys = { [KEY]: { user: 'u', tenant: 't' }, 'devkey-123': { user: 'd', tenant: 't' }, [`${KEY}-2`]: { user: 'v', tenant: 't' } };
    const message = parse({ storages: [s3], auth: { api_keys: keys } });
    expect(message).toBe('test: auth.api_keys: key 2 of 3 (starting "dev…") is 10 characters long; API keys must be at least 16 characters');
    expect(message).not.toContain('devkey');
    // Too short to show any of it.
    expect(parse({ storages: [s3], auth: { api_keys: { ab: { user: 'u', tenant: 't' } } } })).toBe('test: auth.api_keys: key 1 of 1 is 2 characters long; API keys must be at least 16 characters');
  });

  it('duplicate storage ids and several defaults name each storage', () => {
    expect(parse({ storages: [s3, azure, { ...azure, container: 'other' }], auth })).toBe('test: storages[2].id "blob" is already the id of storages[1]; ids must differ');
    expect(parse({ storages: [{ ...s3, default: true }, { ...azure, default: true }], auth })).toBe('test: storages[0], storages[1] both have "default": true; only one storage may');
  });

  it('a secret file that is missing is named with its field', () => {
    const read = () => {
      throw new Error('ENOENT: no such file');
    };
    expect(configError(() => parseConfig({ storages: [{ ...azure, account_key: undefined, account_key_file: '/run/secrets/azure' }], auth }, serverEnv, 'test', read))).toBe(
      'test: storages[0].account_key_file: cannot read /run/secrets/azure: ENOENT: no such file',
    );
  });
});

describe('a config file that is not JSON says where', () => {
  it('line and column of the first error, and what was expected there', () => {
    expect(load('{not json')).toBe('SIGNPOST_CONFIG=/etc/signpost.json: not valid JSON at line 1, column 2: expected a field name in double quotes (found "n")');
    expect(load('{\n  "storages": [],\n  "auth": }\n')).toBe('SIGNPOST_CONFIG=/etc/signpost.json: not valid JSON at line 3, column 11: expected a value (a string, number, object, array, true, false or null) (found "}")');
    expect(load('{\n  "storages": [1, 2,],\n  "auth": {}\n}')).toMatch(/at line 2, column 21: a comma before "\]" \(JSON allows no trailing comma\)/);
    expect(load('{"auth": {},\n}')).toMatch(/at line 2, column 1: a comma before "}"/);
    expect(load('{"auth": {}')).toMatch(/at line 1, column 12: expected "," or "}" \(found the end of the file\)$/);
    expect(load('')).toMatch(/at line 1, column 1: expected a value .* \(found the end of the file\)$/);
    expect(load('{"a": "b\nc"}')).toMatch(/at line 1, column 9: a control character inside a string/);
    expect(load('{"a": "never closed}')).toMatch(/at line 1, column 7: a string that starts here is never closed/);
    expect(load('{} {}')).toMatch(/at line 1, column 4: more text after the end of the JSON value/);
    expect(load("{'a': 1}")).toMatch(/at line 1, column 2: expected a field name in double quotes \(found "'"\)/);
    expect(load('{"a": 01}')).toMatch(/at line 1, column 8: expected "," or "}"/);
  });

  it('never quotes the text around the error (it may hold a secret)', () => {
    // A secret pasted without its quotes.
    const text = '{"storages": [{"id": "m", "type": "s3", "secret_access_key": hunter2hunter2}]}';
    expect(() => JSON.parse(text)).toThrow(/hunter2/); // what V8 would have said
    const message = load(text);
    expect(message).toContain(`at line 1, column ${text.indexOf('hunter2') + 1}: expected a value`);
    expect(message).not.toContain('hunter2');
  });

  it('a byte-order mark before the JSON is accepted', () => {
    expect(loadConfig({ SIGNPOST_CONFIG: '/x.json' }, () => `\uFEFF${JSON.stringify({ storages: [s3], auth })}`).config?.storages).toHaveLength(1);
  });

  it('an unreadable file says so', () => {
    const read = (path: string) => {
      throw new Error(`EACCES: permission denied, open '${path}'`);
    };
    expect(configError(() => loadConfig({ SIGNPOST_CONFIG: '/x.json' }, read))).toBe("SIGNPOST_CONFIG=/x.json: cannot read the file: EACCES: permission denied, open '/x.json'");
  });

  it('the locator agrees with JSON.parse on valid JSON and on JSON with one character changed', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(locateJsonError(text)).toBeUndefined();
      }),
      { numRuns: 300, seed: 9 },
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\\', '\n', 'x', '0', '-', ' '), (json, where, replacement) => {
        const at = where % (json.length + 1);
        const text = json.slice(0, at) + replacement + json.slice(at + 1);
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const found = locateJsonError(text);
        expect(found === undefined).toBe(valid);
        if (found) expect(found.offset).toBeLessThanOrEqual(text.length);
        const parsed = parseConfigText(text);
        expect('error' in parsed).toBe(!valid);
      }),
      { numRuns: 2000, seed: 9 },
    );
  });
});
