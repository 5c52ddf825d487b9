// The demo page's script (bundled by src/http/demo-page.ts): settings, the drop
// zone and file picker, one row per file, and the list of the caller's uploads.
import type { UploadOptions } from '../client/browser.js';
import { credentialHeaders, DemoApi } from './broker-api.js';
import { readDemoConfig, type DemoStorage } from './demo-config.js';
import { startUploadRow } from './upload-row.js';
import { UploadsList } from './uploads-list.js';

// The key lives for this tab only (sessionStorage); the other choices are not secrets.
const SAVED_KEY = 'signpost-demo:api-key';
const SAVED_STORAGE = 'signpost-demo:storage';
const SAVED_PARALLEL = 'signpost-demo:parallel';
const RESIDENCE_NAME: Record<string, string> = { AmazonS3: 'S3', AzureStorage: 'Azure Blob' };

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`demo page: #${id} is missing`);
  return node as T;
}

const config = readDemoConfig(document);
const ui = {
  settings: byId<HTMLFormElement>('settings'),
  apiKey: byId<HTMLInputElement>('api-key'),
  storage: byId<HTMLSelectElement>('storage'),
  parallel: byId<HTMLInputElement>('parallel'),
  files: byId<HTMLInputElement>('files'),
  dropZone: byId<HTMLElement>('drop-zone'),
  status: byId<HTMLElement>('status'),
  uploads: byId<HTMLUListElement>('uploads'),
  completed: byId<HTMLUListElement>('completed'),
  listStatus: byId<HTMLElement>('list-status'),
  refresh: byId<HTMLButtonElement>('refresh'),
  apiPath: byId<HTMLElement>('api-path'),
};

function storageOption(storage: DemoStorage): HTMLOptionElement {
  const residence = RESIDENCE_NAME[storage.residence] ?? storage.residence;
  // A store that cannot resume or cancel says so where it is chosen, not after an upload fails.
  const option = new Option(`${storage.id} (${residence})${storage.limits === undefined ? '' : ` — ${storage.limits}`}`, storage.id);
  if (storage.limits !== undefined) option.title = storage.limits;
  return option;
}

function restoreSettings(): void {
  ui.apiKey.value = sessionStorage.getItem(SAVED_KEY) ?? config.devApiKey ?? '';
  ui.storage.append(...config.storages.map(storageOption));
  const storage = localStorage.getItem(SAVED_STORAGE);
  if (storage !== null && config.storages.some((s) => s.id === storage)) ui.storage.value = storage;
  ui.parallel.value = localStorage.getItem(SAVED_PARALLEL) ?? ui.parallel.value;
  ui.apiPath.textContent = config.basePath;
}

function parallelCount(): number {
  const value = Math.floor(Number(ui.parallel.value));
  return Number.isFinite(value) ? Math.min(16, Math.max(1, value)) : 4;
}

const credentials = () => credentialHeaders(ui.apiKey.value);
const api = new DemoApi(config.basePath, credentials);
const uploadsList = new UploadsList(ui.completed, ui.listStatus, api, () => ui.apiKey.value.trim() !== '');

function announce(message: string): void {
  ui.status.textContent = message;
}

function startUploads(files: Iterable<File>): void {
  const picked = [...files];
  if (picked.length === 0) return;
  if (ui.apiKey.value.trim() === '') {
    announce('Enter an API key or token first.');
    ui.apiKey.focus();
    return;
  }
  const storageId = ui.storage.value || undefined;
  const options: UploadOptions = {
    url: location.origin,
    basePath: config.basePath,
    headers: credentials, // a function: re-read per request, so a replaced token is used at once
    parallel: parallelCount(),
    ...(storageId === undefined ? {} : { storageId }),
  };
  announce(`Starting ${picked.length} upload${picked.length === 1 ? '' : 's'}.`);
  for (const file of picked) {
    void startUploadRow(ui.uploads, { file, api, storageId, options }, {
      announce,
      completed: (result) => uploadsList.addCompleted(result, storageId ?? ''),
    });
  }
}

function wireDropZone(): void {
  const zone = ui.dropZone;
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  zone.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget as Node | null)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    startUploads(event.dataTransfer?.files ?? []);
  });
  // A file dropped beside the zone would make the browser open it and leave the page.
  for (const type of ['dragover', 'drop'] as const) {
    window.addEventListener(type, (event) => {
      if (!zone.contains(event.target as Node | null)) event.preventDefault();
    });
  }
}

function wireSettings(): void {
  // Settings apply as they change; Enter in a field must not submit (and reload) the page.
  ui.settings.addEventListener('submit', (event) => event.preventDefault());
  ui.apiKey.addEventListener('change', () => {
    sessionStorage.setItem(SAVED_KEY, ui.apiKey.value);
    void uploadsList.refresh();
  });
  ui.storage.addEventListener('change', () => localStorage.setItem(SAVED_STORAGE, ui.storage.value));
  ui.parallel.addEventListener('change', () => localStorage.setItem(SAVED_PARALLEL, String(parallelCount())));
  ui.refresh.addEventListener('click', () => void uploadsList.refresh());
  ui.files.addEventListener('change', () => {
    startUploads(ui.files.files ?? []);
    ui.files.value = ''; // so choosing the same file again starts it again
  });
}

restoreSettings();
wireSettings();
wireDropZone();
document.body.dataset['ready'] = 'true';
void uploadsList.refresh();
