// The page's own calls to the broker, beside the uploads the client library
// makes: the pre-check (GET /new), the list (GET /) and download links
// (GET /:id/url as JSON: a browser cannot read a cross-origin redirect).
import { UploadError } from '../client/browser.js';

/** The fields of the broker's upload record (serialise.ts wireUpload) the page shows. */
export interface UploadSummary {
  id: string;
  file_name: string;
  file_size: number;
  storage_id: string;
  state: 'pending' | 'uploading' | 'complete' | 'aborted' | 'expired';
  created_at: number;
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** A pasted secret as a header: "Bearer …" or anything shaped like a JWT goes in Authorization, the rest is an API key. */
export function credentialHeaders(secret: string): Record<string, string> {
  const value = secret.trim();
  if (value === '') return {};
  const bearer = /^bearer\s+/i.exec(value);
  if (bearer) return { Authorization: `Bearer ${value.slice(bearer[0].length)}` };
  return JWT.test(value) ? { Authorization: `Bearer ${value}` } : { 'X-API-Key': value };
}

/** What to tell the user about a failure: the broker's own words when it refused. */
export function describeFailure(error: unknown): string {
  if (error instanceof UploadError) {
    const origin = error.status === undefined ? error.code : `${error.status} ${error.code}`;
    return error.brokerMessage === undefined ? error.message : `${error.brokerMessage} (${origin})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export class DemoApi {
  constructor(
    private readonly basePath: string,
    private readonly credentials: () => Record<string, string>,
  ) {}

  /** Refuses a file the storage will not take (name, type, size) before any hashing. */
  async check(file: File, storageId: string | undefined): Promise<void> {
    const query = new URLSearchParams({ file_name: file.name, file_size: String(file.size) });
    if (file.type) query.set('file_mime', file.type);
    if (storageId) query.set('storage_id', storageId);
    await this.request(`/new?${query}`);
  }

  async list(limit: number): Promise<UploadSummary[]> {
    return (await this.request(`/?limit=${limit}`)) as UploadSummary[];
  }

  async downloadUrl(id: string): Promise<string> {
    const { url } = (await this.request(`/${encodeURIComponent(id)}/url`)) as { url: string };
    return url;
  }

  private async request(path: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.basePath.replace(/\/+$/, '') + path, { headers: { Accept: 'application/json', ...this.credentials() } });
    } catch (error) {
      throw new UploadError({ code: 'network', message: `the broker did not answer: ${error instanceof Error ? error.message : String(error)}` });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.ok) return body;
    const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
    throw new UploadError({
      code: typeof error === 'string' ? error : `http_${res.status}`,
      status: res.status,
      message: typeof message === 'string' ? message : `the broker answered ${res.status}`,
      ...(typeof message === 'string' ? { brokerMessage: message } : {}),
    });
  }
}
