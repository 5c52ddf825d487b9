// GET /new?file_name&file_size&file_mime&storage_id → {residence, storage_id, part_size, part_count}:
// which storage would take this file (400/413 when it would be refused).
import { newUploadQuery, type NewUploadQuery } from '../../../../schemas/placeos/requests.js';
import type { RequestHandler } from 'express';
import { planFor } from '../../../domain/create-upload.js';
import { RESIDENCE_BY_TYPE } from '../names.js';
import { accessOf, type RouteDeps } from '../../../http/route-deps.js';


export function residenceRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return (req, res) => {
    const query = validators.query<NewUploadQuery>(newUploadQuery, req.query);
    const { storage, plan } = planFor(ctx, accessOf(res), {
      fileName: query.file_name,
      fileSize: query.file_size,
      ...(query.file_mime === undefined ? {} : { mime: query.file_mime }),
      ...(query.storage_id === undefined ? {} : { storageId: query.storage_id }),
    });
    res.json({ residence: RESIDENCE_BY_TYPE[storage.type], storage_id: storage.id, part_size: plan.partSize, part_count: plan.partCount });
  };
}
