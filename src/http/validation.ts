// Request schemas are data (schemas/*.json), compiled once at start-up.
// Queries are coerced (they arrive as strings); bodies are not.
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeAjvErrors } from '../schema-messages.js';
import { errors } from '../domain/errors.js';

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

export type SchemaId =
  | 'new-upload.query.schema.json'
  | 'create-upload.body.schema.json'
  | 'update-upload.body.schema.json'
  | 'part.query.schema.json'
  | 'list.query.schema.json'
  | 'url.query.schema.json';

export interface Validators {
  /** Returns the (coerced) value, or throws a 400 naming the field. */
  query<T>(id: SchemaId, value: unknown): T;
  body<T>(id: SchemaId, value: unknown): T;
}

function loadSchemas(): object[] {
  return readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.schema.json') && name !== 'config.schema.json')
    .map((name) => JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8')) as object);
}

export function createValidators(): Validators {
  const schemas = loadSchemas();
  const forBodies = new Ajv({ allErrors: false, strict: true, schemas });
  const forQueries = new Ajv({ allErrors: false, strict: true, coerceTypes: true, schemas });
  const run = <T>(ajv: Ajv, where: string, id: SchemaId, value: unknown): T => {
    const validate = ajv.getSchema(id) as ValidateFunction | undefined;
    if (!validate) throw new Error(`schema ${id} is not loaded`);
    // Queries are copied: express 5's req.query is a read-only getter and coercion mutates.
    const data = where === 'query' ? { ...(value as object) } : value;
    if (!validate(data)) throw errors.badRequest(describeAjvErrors(where, validate.errors));
    return data as T;
  };
  return {
    query: (id, value) => run(forQueries, 'query', id, value),
    body: (id, value) => run(forBodies, 'body', id, value ?? {}),
  };
}
