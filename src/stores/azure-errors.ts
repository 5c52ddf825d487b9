// Azure SDK errors → SignpostError. The SDK throws RestError with the HTTP
// statusCode and the x-ms-error-code as `code` (HEAD answers have no body, so
// only details.errorCode); network failures are RestErrors with the Node code
// (ECONNREFUSED), timeouts our AbortSignal's AbortError.
import type { SignpostError } from '../domain/errors.js';
import { translateStoreFailure } from './transport.js';

interface RestErrorShape {
  statusCode?: unknown;
  code?: unknown;
  details?: { errorCode?: unknown };
}

export function azureStatus(error: unknown): number | undefined {
  const status = (error as RestErrorShape | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function azureCode(error: unknown): string | undefined {
  const shape = error as RestErrorShape | null;
  const code = shape?.details?.errorCode ?? shape?.code;
  return typeof code === 'string' ? code : undefined;
}

/** BlobNotFound (404): no blob, or (Get Block List) no block staged yet. */
export function isAzureNotFound(error: unknown): boolean {
  return azureStatus(error) === 404 && azureCode(error) !== 'ContainerNotFound';
}

export function translateAzureError(error: unknown, action: string): SignpostError {
  const status = azureStatus(error);
  const code = azureCode(error) ?? 'UnknownError';
  // 503 ServerBusy: Azure throttles and asks the caller to retry later.
  const busy = status === 503 || code === 'ServerBusy';
  return translateStoreFailure(error, `Azure ${action}`, { status, code, busy });
}
