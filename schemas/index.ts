// Every request schema the broker compiles at start-up.
import * as companion from './companion/requests.js';
import * as placeos from './placeos/requests.js';

export const REQUEST_SCHEMAS: ReadonlyArray<{ $id: string }> = [
  placeos.newUploadQuery,
  placeos.createUploadBody,
  placeos.updateUploadBody,
  placeos.partQuery,
  placeos.listQuery,
  placeos.urlQuery,
  companion.mintTokenBody,
  companion.paramsQuery,
  companion.createMultipartBody,
  companion.keyQuery,
  companion.partNumberParam,
  companion.completeBody,
];
