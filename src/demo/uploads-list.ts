// "Your uploads": the caller's recent uploads from GET / (newest first), with a
// download link for each complete one from GET /:id/url.
import type { UploadResult } from '../client/browser.js';
import { describeFailure, type DemoApi, type UploadSummary } from './broker-api.js';
import { formatBytes, formatDate } from './format.js';

const LIST_LIMIT = 20;

const STATE_NOTE: Partial<Record<UploadSummary['state'], string>> = {
  pending: 'not finished: choose the same file again to continue it',
  uploading: 'not finished: choose the same file again to continue it',
};

export class UploadsList {
  /** Bumped per refresh, so an older, slower answer never overwrites a newer one. */
  private generation = 0;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly status: HTMLElement,
    private readonly api: DemoApi,
    private readonly hasCredentials: () => boolean,
  ) {}

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    if (!this.hasCredentials()) {
      this.list.replaceChildren();
      this.status.textContent = 'Enter an API key or token to see your uploads.';
      return;
    }
    this.status.textContent = 'Loading your uploads…';
    try {
      const uploads = await this.api.list(LIST_LIMIT);
      if (generation !== this.generation) return;
      this.list.replaceChildren(...uploads.map((upload) => this.item(upload)));
      this.status.textContent = uploads.length === 0 ? 'No uploads yet.' : `Your ${uploads.length} most recent upload${uploads.length === 1 ? '' : 's'}.`;
    } catch (error) {
      if (generation !== this.generation) return;
      this.list.replaceChildren();
      this.status.textContent = `Could not list your uploads: ${describeFailure(error)}`;
    }
  }

  /** A just-finished upload goes to the top (replacing its unfinished entry after a resume). */
  addCompleted(result: UploadResult, storageId: string): void {
    this.list.querySelector(`li[data-upload-id="${CSS.escape(result.uploadId)}"]`)?.remove();
    const summary: UploadSummary = {
      id: result.uploadId,
      file_name: result.fileName,
      file_size: result.size,
      storage_id: storageId,
      state: 'complete',
      created_at: Math.floor(Date.now() / 1000),
    };
    this.list.prepend(this.item(summary));
    this.status.textContent = '';
  }

  private item(upload: UploadSummary): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset['uploadId'] = upload.id;
    item.dataset['state'] = upload.state;
    const name = document.createElement('span');
    name.className = 'file-name';
    name.textContent = upload.file_name;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [formatBytes(upload.file_size), upload.storage_id, formatDate(upload.created_at)].filter(Boolean).join(' · ');
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.dataset['state'] = upload.state;
    badge.textContent = upload.state;
    const action = document.createElement('span');
    action.className = 'action';
    item.append(name, badge, meta, action);
    if (upload.state === 'complete') void this.linkInto(action, upload);
    else if (STATE_NOTE[upload.state]) action.textContent = STATE_NOTE[upload.state] ?? '';
    return item;
  }

  /** Presigned links expire, so each is fetched when its entry is drawn. */
  private async linkInto(slot: HTMLElement, upload: UploadSummary): Promise<void> {
    slot.textContent = 'getting a link…';
    try {
      const link = document.createElement('a');
      link.href = await this.api.downloadUrl(upload.id);
      link.textContent = 'Download';
      link.setAttribute('aria-label', `Download ${upload.file_name}`);
      link.rel = 'noreferrer';
      slot.replaceChildren(link);
    } catch (error) {
      slot.textContent = `no link: ${describeFailure(error)}`;
    }
  }
}
