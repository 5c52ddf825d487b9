// PATCH /:id?part=N&file_id=<part md5>  body {resumable_id?, part_list?, part_data?}
//   → part_upload (records progress, then signs part N), or finish without part/file_id.
// GET /:id/edit?part=N&file_id=… | ?part=finish → the same signatures without recording progress.
import { partQuery, updateUploadBody, type PartQuery, type UpdateUploadBody } from '../../../../schemas/placeos/requests.js';
import type { RequestHandler, Response } from 'express';
import { errors } from '../../../domain/errors.js';
import { parseMd5 } from '../../../domain/md5.js';
import { prepareCommit, signPart, type Progress } from '../../../domain/sign-parts.js';
import { wireMd5 } from '../names.js';
import { wireFinish, wirePartSignature } from '../serialise.js';
import { accessOf, idParam, type RouteDeps } from '../../../http/route-deps.js';

/** A part_data MD5 in canonical base64 (the field named only when it is refused: a finish has 10,000 of them). */
function entryMd5(value: string | undefined, part: number): string | undefined {
  if (value === undefined) return undefined;
  return parseMd5(value) ?? wireMd5(value, `part_data[${part}].md5`);
}

/** One part_data entry: its MD5 canonical, and as the client spelled it (answered back on resume). */
function reportedPart(entry: { part: number; md5?: string; md5_hex?: string }): { part: number; md5?: string; reported?: string } {
  const fromMd5 = entryMd5(entry.md5, entry.part);
  const fromHex = entryMd5(entry.md5_hex, entry.part);
  if (fromMd5 !== undefined && fromHex !== undefined && fromMd5 !== fromHex) throw errors.badRequest(`part_data for part ${entry.part} gives two different MD5s`);
  const md5 = fromMd5 ?? fromHex;
  if (md5 === undefined) return { part: entry.part };
  return { part: entry.part, md5, reported: entry.md5 ?? md5 };
}

function toProgress(body: UpdateUploadBody): Progress {
  const progress: Progress = {};
  if (body.resumable_id !== undefined) progress.resumableId = body.resumable_id;
  if (body.part_list !== undefined) progress.partList = body.part_list;
  if (body.part_data !== undefined) progress.partData = body.part_data.map(reportedPart);
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
  const { record, signature } = await signPart(deps.ctx, access, id, { part, md5: wireMd5(fileId, 'file_id'), ...(progress ? { progress } : {}) });
  res.json(wirePartSignature(record, signature));
}

export function patchRoute(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = deps.validators.query<PartQuery>(partQuery, req.query);
    const body = deps.validators.body<UpdateUploadBody>(updateUploadBody, req.body);
    const part = query.part ?? (body.part === undefined ? undefined : Number(body.part));
    // Without a part the PATCH asks for the finish request (PlaceOS).
    await finishOrSignPart(deps, res, idParam(req.params), part ?? 'finish', query.file_id ?? body.file_id, toProgress(body));
  };
}

export function editRoute(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = deps.validators.query<PartQuery>(partQuery, req.query);
    if (query.part === undefined) throw errors.badRequest('query.part is required: a part number or "finish"');
    await finishOrSignPart(deps, res, idParam(req.params), query.part, query.file_id);
  };
}
