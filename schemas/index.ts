// Every request schema the broker compiles at start-up.
import * as companion from './companion/requests.js';
import * as placeos from './placeos/requests.js';
import * as v1 from './v1/requests.js';

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
  v1.initiateBody,
  v1.initiateQuery,
  v1.partsBody,
  v1.completeQuery,
  v1.digestParam,
  v1.createSessionBody,
  v1.sessionBlobParam,
  v1.copyPartBody,
  v1.partNumberParam,
];
