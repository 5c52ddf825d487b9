// Request schemas are data (schemas/**), compiled once at start-up; handlers
// name the schema and get the type derived from it. Queries and path
// parameters are coerced (they arrive as strings); bodies are not.
import { Ajv, type ValidateFunction } from 'ajv';
import { REQUEST_SCHEMAS } from '../../schemas/index.js';
import { describeAjvErrors } from '../schema-messages.js';
import { errors } from '../domain/errors.js';

export interface Validators {
  /** Returns the (coerced) value, or throws a 400 naming the field. */
  query<T>(schema: { $id: string }, value: unknown): T;
  body<T>(schema: { $id: string }, value: unknown): T;
  params<T>(schema: { $id: string }, value: unknown): T;
}

export function createValidators(): Validators {
  const schemas = REQUEST_SCHEMAS as object[];
  const forBodies = new Ajv({ allErrors: false, strict: true, schemas });
  const forQueries = new Ajv({ allErrors: false, strict: true, coerceTypes: true, schemas });
  const run = <T>(ajv: Ajv, where: string, schema: { $id: string }, value: unknown): T => {
    const validate = ajv.getSchema(schema.$id) as ValidateFunction | undefined;
    if (!validate) throw new Error(`schema ${schema.$id} is not loaded`);
    // Queries and params are copied: express 5's req.query is a read-only getter and coercion mutates.
    const data = where === 'body' ? value : { ...(value as object) };
    if (!validate(data)) throw errors.badRequest(describeAjvErrors(where, validate.errors));
    return data as T;
  };
  return {
    query: (schema, value) => run(forQueries, 'query', schema, value),
    body: (schema, value) => run(forBodies, 'body', schema, value ?? {}),
    params: (schema, value) => run(forQueries, 'path', schema, value),
  };
}
