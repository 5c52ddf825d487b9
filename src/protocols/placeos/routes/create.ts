// POST / (PlaceOS UploadInfo) → direct_upload | chunked_upload | parts. Always 200, as PlaceOS answers.
import { createUploadBody, type CreateUploadBody } from '../../../../schemas/placeos/requests.js';
import type { RequestHandler } from 'express';
import { createOrResume, type CreateInput } from '../../../domain/create-upload.js';
import type { Permissions } from '../../../domain/upload.js';
import { wireMd5 } from '../names.js';
import { wireCreated, wireResumed } from '../serialise.js';
import { accessOf, type RouteDeps } from '../../../http/route-deps.js';


function toCreateInput(body: CreateUploadBody): CreateInput {
  const optional: Partial<CreateInput> = {};
  if (body.file_mime !== undefined) optional.mime = body.file_mime;
  if (body.file_path !== undefined) optional.filePath = body.file_path;
  if (body.permissions !== undefined) optional.permissions = body.permissions;
  if (body.public !== undefined) optional.public = body.public;
  if (body.expires !== undefined) optional.expiresMinutes = body.expires;
  if (body.tags !== undefined) optional.tags = body.tags;
  if (body.cache_etag !== undefined) optional.cacheEtag = body.cache_etag;
  if (body.cache_modified !== undefined) optional.cacheModified = body.cache_modified;
  if (body.storage_id !== undefined) optional.storageId = body.storage_id;
  return { fileName: body.file_name, fileSize: Number(body.file_size), fileMd5: wireMd5(body.file_id, 'file_id'), ...optional };
}

export function createRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const body = validators.body<CreateUploadBody>(createUploadBody, req.body);
    const outcome = await createOrResume(ctx, accessOf(res), toCreateInput(body));
    res.status(200).json(
      outcome.kind === 'new'
        ? wireCreated(outcome.record, outcome.storage.type, outcome.signature)
        : wireResumed(outcome.record, outcome.storage.type, outcome.doneParts, outcome.signature),
    );
  };
}
