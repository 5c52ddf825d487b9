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
