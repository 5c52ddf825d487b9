// One file's row: name, size, a progress bar, bytes/rate/ETA, Pause/Resume and
// Cancel, and the outcome — the broker's own message when it refuses the file.
import { upload, UploadError, type ProgressEvent, type UploadOptions, type UploadResult, type UploadState, type UploadTask } from '../client/browser.js';
import { describeFailure, type DemoApi } from './broker-api.js';
import { describeProgress, formatBytes, formatDuration, formatRate } from './format.js';

/** The client's states plus the page's own: the pre-check, and a refusal before anything started. */
export type RowState = UploadState | 'checking' | 'refused';

const STATE_LABEL: Record<RowState, string> = {
  checking: 'Checking',
  refused: 'Refused',
  hashing: 'Reading file',
  uploading: 'Uploading',
  paused: 'Paused',
  finishing: 'Verifying',
  complete: 'Complete',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

const FINAL: ReadonlySet<RowState> = new Set(['refused', 'complete', 'cancelled', 'failed']);

export interface RowRequest {
  file: File;
  api: DemoApi;
  storageId: string | undefined;
  options: UploadOptions;
}

export interface RowHooks {
  /** A sentence for the page's live region. */
  announce(message: string): void;
  completed(result: UploadResult): void;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

class UploadRow {
  readonly root = element('li', 'upload');
  private readonly badge = element('span', 'badge');
  private readonly bar = element('progress', 'bar');
  private readonly detail = element('p', 'detail');
  private readonly pauseButton = element('button', 'secondary', 'Pause');
  private readonly cancelButton = element('button', 'danger', 'Cancel');
  private task: UploadTask | undefined;
  private state: RowState = 'checking';
  private sendingSince = 0;
  private lastProgress: ProgressEvent | undefined;

  constructor(private readonly file: File) {
    const head = element('div', 'upload-head');
    head.append(element('span', 'file-name', file.name), element('span', 'file-size', formatBytes(file.size)), this.badge);
    this.bar.max = Math.max(1, file.size);
    this.bar.value = 0;
    this.bar.setAttribute('aria-label', `Upload progress of ${file.name}`);
    for (const button of [this.pauseButton, this.cancelButton]) button.type = 'button';
    this.pauseButton.setAttribute('aria-label', `Pause upload of ${file.name}`);
    this.cancelButton.setAttribute('aria-label', `Cancel upload of ${file.name}`);
    this.pauseButton.addEventListener('click', () => this.togglePause());
    this.cancelButton.addEventListener('click', () => void this.cancel());
    const actions = element('div', 'actions');
    actions.append(this.pauseButton, this.cancelButton);
    this.root.append(head, this.bar, this.detail, actions);
    this.show('checking', 'Asking the broker whether it takes this file…');
  }

  attach(task: UploadTask): void {
    this.task = task;
    task.on('state', (state) => this.onState(state));
    task.on('hashing', ({ bytesHashed, bytesTotal }) => {
      if (this.state === 'hashing') this.detail.textContent = `Computing the file's MD5 before sending: ${Math.floor((100 * bytesHashed) / Math.max(1, bytesTotal))}%`;
    });
    task.on('progress', (progress) => {
      this.noteUploadId(); // the first progress follows the broker's answer to POST /
      this.lastProgress = progress;
      this.bar.value = progress.bytesDone;
      if (this.state === 'uploading') this.detail.textContent = describeProgress(progress);
    });
  }

  complete(result: UploadResult): void {
    this.bar.value = this.bar.max;
    const seconds = (performance.now() - this.sendingSince) / 1000;
    const pieces = [`${formatBytes(result.size)} stored in ${formatDuration(seconds)}`];
    // A rate over a tiny file or a blink of time says nothing.
    if (!result.resumed && seconds >= 0.5 && result.size >= 1024 * 1024) pieces.push(formatRate(result.size / seconds));
    if (result.resumed) pieces.push(`resumed: ${result.partsSkipped} part${result.partsSkipped === 1 ? ' was' : 's were'} already stored, ${result.partsSent} sent now`);
    this.show('complete', pieces.join(' · '));
    this.root.dataset['uploadId'] = result.uploadId;
  }

  /** A refusal (pre-check) or a failure: the broker's message, as an alert next to the file. */
  fail(state: 'refused' | 'failed' | 'cancelled', error: unknown): void {
    const detail = { refused: 'The broker refused this file; nothing was sent.', failed: 'The upload stopped.', cancelled: 'Cancelled here, but the broker did not discard the parts already stored.' };
    this.show(state, detail[state]);
    const alert = element('p', 'error', describeFailure(error));
    alert.setAttribute('role', 'alert');
    this.root.append(alert);
  }

  show(state: RowState, detail?: string): void {
    this.state = state;
    this.root.dataset['state'] = state;
    this.badge.textContent = STATE_LABEL[state];
    this.badge.dataset['state'] = state;
    if (detail !== undefined) this.detail.textContent = detail;
    const final = FINAL.has(state);
    this.pauseButton.textContent = state === 'paused' ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-label', `${this.pauseButton.textContent} upload of ${this.file.name}`);
    this.pauseButton.disabled = final || state === 'checking' || state === 'finishing';
    this.cancelButton.disabled = final || state === 'checking';
    if (final) this.root.querySelector('.actions')?.remove();
  }

  private onState(state: UploadState): void {
    if (state === 'uploading' && this.sendingSince === 0) this.sendingSince = performance.now();
    this.noteUploadId();
    if (state === 'uploading') this.show(state, this.lastProgress ? describeProgress(this.lastProgress) : 'Starting…');
    else if (state === 'paused') this.show(state, `Paused${this.lastProgress ? ` at ${formatBytes(this.lastProgress.bytesDone)} of ${formatBytes(this.lastProgress.bytesTotal)}` : ''}: parts in flight were stopped and go again on Resume.`);
    else if (state === 'finishing') this.show(state, 'All parts stored; the broker is checking the object…');
    else if (state === 'cancelled') this.show(state, 'Cancelled; the broker discarded the parts already stored.');
    else if (state !== 'complete' && state !== 'failed') this.show(state);
  }

  private noteUploadId(): void {
    const uploadId = this.task?.uploadId;
    if (uploadId !== undefined) this.root.dataset['uploadId'] = uploadId;
  }

  private togglePause(): void {
    if (!this.task) return;
    if (this.state === 'paused') this.task.resume();
    else this.task.pause();
  }

  private async cancel(): Promise<void> {
    if (!this.task) return;
    this.cancelButton.disabled = true;
    this.cancelButton.textContent = 'Cancelling…';
    await this.task.cancel();
  }
}

/** Adds a row for `file`, asks the broker whether it takes the file, then uploads it. */
export async function startUploadRow(list: HTMLElement, request: RowRequest, hooks: RowHooks): Promise<void> {
  const { file, api, storageId, options } = request;
  const row = new UploadRow(file);
  list.append(row.root);
  try {
    await api.check(file, storageId);
  } catch (error) {
    row.fail('refused', error);
    hooks.announce(`${file.name} was refused.`); // the row's alert says why
    return;
  }
  const task = upload(file, options);
  row.attach(task);
  try {
    const result = await task.done;
    row.complete(result);
    hooks.announce(`${file.name} uploaded.`);
    hooks.completed(result);
  } catch (error) {
    if (task.state === 'cancelled') {
      // The broker may have failed to discard what was stored: say so rather than claim it did.
      if (error instanceof UploadError && error.code === 'cancel_incomplete') row.fail('cancelled', error);
      hooks.announce(`${file.name}: upload cancelled.`);
      return;
    }
    row.fail('failed', error);
    hooks.announce(`${file.name} failed.`);
  }
}
