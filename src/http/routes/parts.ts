// PATCH /:id?part=N&file_id=<part md5>  body {resumable_id?, part_list?, part_data?}
//   → part_upload (records progress, then signs part N), or finish without part/file_id.
// GET /:id/edit?part=N&file_id=… | ?part=finish → the same signatures without recording progress.
import type { RequestHandler, Response } from 'express';
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

/** Both routes end here: the finish request, or part N's signature (which needs the part's MD5). */
async function finishOrSignPart(deps: RouteDeps, res: Response, id: string, part: number | 'finish', fileId: string | undefined, progress?: Progress): Promise<void> {
  const access = accessOf(res);
  if (part === 'finish') {
    const { record, signature } = await prepareCommit(deps.ctx, access, id, progress);
    res.json(wireFinish(record, signature));
    return;
  }
  // PlaceOS silently answers "finish" to a part without its MD5; that hides client bugs.
  if (fileId === undefined) throw errors.badRequest('file_id is required with part: the base64 MD5 of the part');
  const { record, signature } = await signPart(deps.ctx, access, id, { part, md5: fileId, ...(progress ? { progress } : {}) });
  res.json(wirePartSignature(record, signature));
}

export function patchRoute(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = deps.validators.query<PartQuery>('part.query.schema.json', req.query);
    const body = deps.validators.body<UpdateBody>('update-upload.body.schema.json', req.body);
    const part = query.part ?? (body.part === undefined ? undefined : Number(body.part));
    // Without a part the PATCH asks for the finish request (PlaceOS).
    await finishOrSignPart(deps, res, idParam(req.params), part ?? 'finish', query.file_id ?? body.file_id, toProgress(body));
  };
}

export function editRoute(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = deps.validators.query<PartQuery>('part.query.schema.json', req.query);
    if (query.part === undefined) throw errors.badRequest('query.part is required: a part number or "finish"');
    await finishOrSignPart(deps, res, idParam(req.params), query.part, query.file_id);
  };
}
