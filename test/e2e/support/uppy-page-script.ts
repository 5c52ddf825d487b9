// Runs in the browser: the published @uppy/core and @uppy/aws-s3, unmodified,
// bundled by uppy-page.ts. Playwright calls window.uppyTest through
// page.evaluate; everything Uppy reports lands in window.uppyTest.events,
// which the test polls. One file per page at a time.
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { seededBytes } from './uppy-bytes.js';

export interface StartOptions {
  /** Broker URL + the token's endpoint: Uppy calls `<endpoint>/s3/…`. */
  endpoint: string;
  name: string;
  size: number;
  type: string;
  seed: number;
  /** Passed to AwsS3 only when set, so the default (POST policy up to 100 MiB) is what untouched tests see. */
  shouldUseMultipart?: boolean;
}

export type UppyEvent =
  | { type: 'upload-progress'; bytesUploaded: number; bytesTotal: number | null }
  | { type: 'part-uploaded'; partNumber: number }
  | { type: 'upload-success'; body: unknown; uploadURL: string | undefined }
  | { type: 'upload-error'; message: string }
  | { type: 'complete'; successful: number; failed: number };

export interface UppyTestApi {
  events: UppyEvent[];
  startUpload(options: StartOptions): string;
  /** The multipart upload Uppy is running for the file (after POST /s3/multipart answered). */
  multipart(): { uploadId: string; key: string } | undefined;
  isPaused(): boolean;
  pauseFile(): void;
  resumeFile(): void;
  removeFile(): void;
}

let uppy: Uppy | undefined;
let fileId: string | undefined;
const events: UppyEvent[] = [];

const api: UppyTestApi = {
  events,
  startUpload(options) {
    if (uppy !== undefined) throw new Error('one upload per page');
    // Only the option the mode needs (and shouldUseMultipart when the test sets it): everything else is Uppy's default.
    uppy = new Uppy({ autoProceed: false }).use(AwsS3, {
      companionEndpoint: options.endpoint,
      ...(options.shouldUseMultipart !== undefined ? { shouldUseMultipart: options.shouldUseMultipart } : {}),
    });
    uppy.on('upload-progress', (_file, progress) => events.push({ type: 'upload-progress', bytesUploaded: progress.bytesUploaded, bytesTotal: progress.bytesTotal }));
    uppy.on('s3-multipart:part-uploaded', (_file, part) => events.push({ type: 'part-uploaded', partNumber: part.PartNumber }));
    uppy.on('upload-success', (_file, response) => events.push({ type: 'upload-success', body: response.body, uploadURL: response.uploadURL }));
    uppy.on('upload-error', (_file, error) => events.push({ type: 'upload-error', message: String(error?.message ?? error) }));
    uppy.on('complete', (result) => events.push({ type: 'complete', successful: result.successful?.length ?? 0, failed: result.failed?.length ?? 0 }));
    const data = new Blob([seededBytes(options.seed, options.size)], { type: options.type });
    fileId = uppy.addFile({ name: options.name, type: options.type, data, source: 'uppy-test' });
    // upload() settles when the file does; the test watches the events instead.
    uppy.upload().catch((error: unknown) => events.push({ type: 'upload-error', message: String(error) }));
    return fileId;
  },
  multipart() {
    const file = fileId === undefined ? undefined : uppy?.getFile(fileId);
    return file?.s3Multipart === undefined ? undefined : { ...file.s3Multipart };
  },
  isPaused() {
    return (fileId !== undefined && uppy?.getFile(fileId)?.isPaused) === true;
  },
  pauseFile() {
    if (!api.isPaused()) uppy!.pauseResume(fileId!);
  },
  resumeFile() {
    if (api.isPaused()) uppy!.pauseResume(fileId!);
  },
  removeFile() {
    uppy!.removeFile(fileId!);
  },
};

(window as unknown as { uppyTest: UppyTestApi }).uppyTest = api;
document.body.dataset['ready'] = 'true';
