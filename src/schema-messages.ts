// One sentence naming the field from an ajv error list (used for requests and for the config file).
import type { ErrorObject } from 'ajv';

export function describeAjvErrors(where: string, list: ErrorObject[] | null | undefined): string {
  const first = list?.[0];
  if (!first) return `${where} is invalid`;
  const path = first.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
  if (first.keyword === 'required') return `${where}.${String(first.params['missingProperty'])} is required`;
  if (first.keyword === 'enum') return `${path} must be one of ${(first.params['allowedValues'] as unknown[]).join(', ')}`;
  return `${path} ${first.message ?? 'is invalid'}`;
}

/**
 * One sentence about the first problem in the config file, naming the field as an operator
 * writes it (`storages[0].bucket`, `auth.jwt.issuer`). Values are never quoted except enum
 * choices and numbers, and an API key — a secret that is also a field name — is named by its
 * position and at most its first three characters. Needs the errors of a `verbose` ajv.
 */
export function describeConfigErrors(list: ErrorObject[] | null | undefined, data: unknown): string {
  const first = list?.find((error) => error.keyword !== 'if') ?? list?.[0];
  if (!first) return 'the config is invalid';
  const path = configPath(first.instancePath, data);
  const field = path === '' ? 'the config' : path;
  const child = (name: string) => (path === '' ? name : `${path}.${name}`);
  const params = first.params as Record<string, unknown>;
  switch (first.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      // The allOf/if/then rules of a storage: say which type needs the field.
      const type = first.schemaPath.includes('/then/') ? typeOf(valueAt(first.instancePath, data)) : undefined;
      return `${child(missing)} is required${type === undefined ? '' : ` for a storage of type "${type}"`}`;
    }
    case 'additionalProperties': {
      const unknown = String(params['additionalProperty']);
      const known = Object.keys((first.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closest(unknown, known);
      return `${field}: unknown field ${JSON.stringify(unknown)}${guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`}`;
    }
    case 'propertyNames':
    case 'minLength':
    case 'maxLength':
    case 'pattern':
      if (first.propertyName !== undefined || first.keyword === 'propertyNames') return describeName(first, path, data);
      return `${field} ${stringRule(first)}`;
    case 'enum':
      return `${field} must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${field} must be ${article(String(params['type']))}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${field} ${first.message ?? 'is out of range'} (it is ${JSON.stringify(first.data)})`;
    case 'minItems':
      return `${field} must list at least ${String(params['limit'])} ${params['limit'] === 1 ? 'entry' : 'entries'}`;
    default:
      return `${field} ${first.message ?? 'is invalid'}`;
  }
}

function stringRule(error: ErrorObject): string {
  const limit = String((error.params as { limit?: unknown }).limit);
  if (error.keyword === 'minLength') return limit === '1' ? 'must not be empty' : `must be at least ${limit} characters`;
  if (error.keyword === 'maxLength') return `must be at most ${limit} characters`;
  return `must match the pattern ${String((error.params as { pattern?: unknown }).pattern)}`;
}

/** A field name the schema refuses: an API key (a secret) by position and prefix, any other by name. */
function describeName(error: ErrorObject, path: string, data: unknown): string {
  const name = error.propertyName ?? String((error.params as { propertyName?: unknown }).propertyName);
  const rule = error.keyword === 'propertyNames' ? 'is not allowed' : stringRule(error);
  if (isApiKeys(path)) {
    const keys = Object.keys(objectAt(path, data));
    return `${path}: ${describeApiKey(name, keys)} is ${name.length} characters long; API keys ${rule}`;
  }
  return `${path === '' ? 'the config' : path}: field name ${JSON.stringify(name)} ${rule}`;
}

const isApiKeys = (path: string) => path === 'auth.api_keys';

/** "key 2 of 3 (starting "ab…")": enough to find it in the file, never the secret. */
function describeApiKey(key: string, keys: string[]): string {
  const shown = key.slice(0, Math.min(3, Math.floor(key.length / 3)));
  const position = keys.indexOf(key) + 1;
  const start = shown === '' ? '' : ` (starting ${JSON.stringify(`${shown}…`)})`;
  return `key ${position} of ${keys.length}${start}`;
}

/** A JSON pointer into the config as the operator would write it: storages[0].bucket. */
function configPath(pointer: string, data: unknown): string {
  let path = '';
  let node: unknown = data;
  let parentPath = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) path += `[${segment}]`;
    else if (isApiKeys(parentPath)) path += `[${describeApiKey(segment, Object.keys(node as object))}]`;
    else path += /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `${path === '' ? '' : '.'}${segment}` : `[${JSON.stringify(segment)}]`;
    parentPath = path;
    node = (node as Record<string, unknown> | undefined)?.[segment];
  }
  return path;
}

function valueAt(pointer: string, data: unknown): unknown {
  let node = data;
  for (const raw of pointer.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  return node;
}

function objectAt(path: string, data: unknown): object {
  const node = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], data);
  return typeof node === 'object' && node !== null ? node : {};
}

function typeOf(value: unknown): string | undefined {
  const type = (value as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type : undefined;
}

function article(type: string): string {
  return type === 'object' ? 'an object' : type === 'array' ? 'an array' : type === 'integer' ? 'an integer' : `a ${type}`;
}

/** The known field nearest to a misspelt one (at most two edits away), if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
