// GET /new?file_name&file_size&file_mime → {residence}: which storage would take this file.
import type { RequestHandler } from 'express';
import { requireUser } from '../../domain/access.js';
import { sanitiseFileName } from '../../domain/file-policy.js';
import { planParts } from '../../domain/part-plan.js';
import { RESIDENCE_BY_TYPE } from '../../domain/upload.js';
import { accessOf, type RouteDeps } from './deps.js';

interface NewUploadQuery {
  file_name: string;
  file_size: number;
  file_mime?: string;
  storage_id?: string;
}

export function residenceRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return (req, res) => {
    const query = validators.query<NewUploadQuery>('new-upload.query.schema.json', req.query);
    const caller = requireUser(accessOf(res));
    const fileName = sanitiseFileName(query.file_name);
    const storage = ctx.storages.choose(caller, { fileName, fileSize: query.file_size, ...(query.file_mime === undefined ? {} : { mime: query.file_mime }) }, query.storage_id);
    // Refuse sizes the store cannot take before a client hashes anything.
    const plan = planParts(query.file_size, storage.type, ctx.limits.directUploadThreshold);
    res.json({ residence: RESIDENCE_BY_TYPE[storage.type], storage_id: storage.id, part_size: plan.partSize, part_count: plan.partCount });
  };
}
