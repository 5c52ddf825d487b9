// How `signpost sync` shows progress: on a terminal an overall bar (hashing,
// then uploading) above one bar per file being worked on, each removed when
// its file is done; otherwise plain lines, the overall one at most once a second.
import type cliProgress from 'cli-progress';
import { fileBar, formatBytes, formatEta, label, lineView, multiBar, percent } from './cli-view.js';
import { ProgressTracker } from './progress.js';
import type { SkippedEntry } from './v1/folder.js';
import type { SyncFileObserver, SyncObserver, SyncPhase, SyncProgress } from './v1/sync.js';

export interface SyncView extends SyncObserver {
  /** A line that must not be overdrawn by the bars. */
  log(line: string): void;
  stop(): void;
}

/** Rate and ETA of the overall bytes, per phase. */
function overallRate(now: () => number) {
  let tracker: ProgressTracker | undefined;
  let phase: SyncPhase | undefined;
  let last = 0;
  return (p: SyncProgress) => {
    if (phase !== p.phase || !tracker) {
      phase = p.phase;
      tracker = new ProgressTracker(p.bytesTotal, p.filesTotal, now());
      last = 0;
    }
    if (p.bytesDone > last) tracker.add(p.bytesDone - last, now(), 0);
    last = p.bytesDone;
    return tracker.snapshot();
  };
}

const skippedLine = (entry: SkippedEntry) => `${entry.name}: skipped (${entry.reason})`;

export function syncBarView(stream: NodeJS.WritableStream, now: () => number = Date.now): SyncView {
  const bars = multiBar(stream);
  const rate = overallRate(now);
  const payload = { name: label('all files'), done: formatBytes(0), size: formatBytes(0), rate: '', left: '--', status: '' };
  const overall = bars.create(1, 0, payload);
  const open = new Map<string, cliProgress.SingleBar>();
  return {
    skipped: (entry) => bars.log(`${skippedLine(entry)}\n`),
    file(name, size) {
      const view = fileBar(bars, name, size);
      open.set(name, view.bar);
      return view;
    },
    fileDone(name) {
      const bar = open.get(name);
      open.delete(name);
      if (bar) bars.remove(bar);
    },
    overall(p) {
      const { rate: bytesPerSecond, etaSeconds } = rate(p);
      overall.setTotal(Math.max(1, p.bytesTotal));
      overall.update(p.bytesDone, {
        ...payload,
        done: formatBytes(p.bytesDone),
        size: formatBytes(p.bytesTotal),
        rate: bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '',
        left: formatEta(etaSeconds),
        status: `${p.phase} ${p.filesDone}/${p.filesTotal} files`,
      });
    },
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}

export function syncLineView(out: NodeJS.WritableStream, now: () => number = Date.now): SyncView {
  const files = lineView(out, now);
  const rate = overallRate(now);
  let last = 0;
  let phase: SyncPhase | undefined;
  return {
    skipped: (entry) => out.write(`${skippedLine(entry)}\n`),
    file: (name, size): SyncFileObserver => files.file(name, size),
    overall(p) {
      const { rate: bytesPerSecond, etaSeconds } = rate(p);
      const boundary = p.phase !== phase || p.filesDone === p.filesTotal;
      phase = p.phase;
      const t = now();
      if (!boundary && t - last < 1000) return;
      last = t;
      out.write(
        `${p.phase}: ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} (${percent(p.bytesDone, p.bytesTotal)})${bytesPerSecond > 0 ? ` ${formatBytes(bytesPerSecond)}/s ETA ${formatEta(etaSeconds)}` : ''}\n`,
      );
    },
    log: (line) => out.write(`${line}\n`),
    stop: () => undefined,
  };
}
