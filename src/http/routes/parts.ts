// PATCH /:id?part=N&file_id=<part md5>  body {resumable_id?, part_list?, part_data?}
//   → part_upload (records progress, then signs part N), or finish without part/file_id.
// GET /:id/edit?part=N&file_id=… | ?part=finish → the same signatures without recording progress.
import type { RequestHandler } from 'express';
import { errors } from '../../domain/errors.js';
import { prepareCommit, signPart, type Progress } from '../../domain/sign-parts.js';
import { wireFinish, wirePartSignature } from '../serialise.js';
import { accessOf, idParam, type RouteDeps } from './deps.js';

interface PartQuery {
  part?: number | 'finish';
  file_id?: string;
}

interface UpdateBody {
  resumable_id?: string;
  part_list?: number[];
  part_data?: Array<{ part: number; md5?: string; md5_hex?: string }>;
  /** Legacy PlaceOS clients send these in the body. */
  part?: number | string;
  file_id?: string;
}

function toProgress(body: UpdateBody): Progress {
  const progress: Progress = {};
  if (body.resumable_id !== undefined) progress.resumableId = body.resumable_id;
  if (body.part_list !== undefined) progress.partList = body.part_list;
  if (body.part_data !== undefined) {
    progress.partData = body.part_data.map((d) => ({ part: d.part, ...(d.md5 === undefined ? {} : { md5: d.md5 }), ...(d.md5_hex === undefined ? {} : { md5Hex: d.md5_hex }) }));
  }
  return progress;
}

export function patchRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<PartQuery>('part.query.schema.json', req.query);
    const body = validators.body<UpdateBody>('update-upload.body.schema.json', req.body);
    const id = idParam(req.params);
    const part = query.part ?? (body.part === undefined ? undefined : Number(body.part));
    const fileId = query.file_id ?? body.file_id;
    const progress = toProgress(body);
    // Without a part the PATCH asks for the finish request (PlaceOS). A part without
    // its MD5 is a mistake, not a finish: PlaceOS would silently answer finish.
    if (part !== undefined && part !== 'finish' && fileId === undefined) throw errors.badRequest('file_id is required with part: the base64 MD5 of the part');
    if (part === undefined || part === 'finish' || fileId === undefined) {
      const { record, signature } = await prepareCommit(ctx, accessOf(res), id, progress);
      res.json(wireFinish(record, signature));
      return;
    }
    const { record, signature } = await signPart(ctx, accessOf(res), id, { part, md5: fileId, progress });
    res.json(wirePartSignature(record, signature));
  };
}

export function editRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<PartQuery>('part.query.schema.json', req.query);
    const id = idParam(req.params);
    if (query.part === 'finish') {
      const { record, signature } = await prepareCommit(ctx, accessOf(res), id);
      res.json(wireFinish(record, signature));
      return;
    }
    if (query.part === undefined) throw errors.badRequest('query.part is required: a part number or "finish"');
    if (query.file_id === undefined) throw errors.badRequest('query.file_id is required: the base64 MD5 of the part');
    const { record, signature } = await signPart(ctx, accessOf(res), id, { part: query.part, md5: query.file_id });
    res.json(wirePartSignature(record, signature));
  };
}
