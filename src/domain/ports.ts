// The ports the domain needs, defined in the domain so that adapters depend on it and never
// the reverse: BlobStore (store-port.ts) and UploadRepository (repository-port.ts). Every
// module imports them from here.
export type * from './store-port.js';
export type * from './repository-port.js';
export type * from './quota-port.js';
