// GET /new?file_name&file_size&file_mime&storage_id → {residence, storage_id, part_size, part_count}:
// which storage would take this file (400/413 when it would be refused).
import type { RequestHandler } from 'express';
import { residenceFor } from '../../domain/create-upload.js';
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
    const { storage, plan } = residenceFor(ctx, accessOf(res), {
      fileName: query.file_name,
      fileSize: query.file_size,
      ...(query.file_mime === undefined ? {} : { mime: query.file_mime }),
      ...(query.storage_id === undefined ? {} : { storageId: query.storage_id }),
    });
    res.json({ residence: RESIDENCE_BY_TYPE[storage.type], storage_id: storage.id, part_size: plan.partSize, part_count: plan.partCount });
  };
}
