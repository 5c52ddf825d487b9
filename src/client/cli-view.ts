// How the CLI shows progress: one cli-progress bar per file on a terminal,
// plain throttled lines otherwise (logs, CI, tests reading the output).
import cliProgress from 'cli-progress';
import type { HashingEvent, ProgressEvent, UploadState } from './types.js';

const MiB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / 1024 / MiB).toFixed(2)} GiB`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface FileView {
  hashing(event: HashingEvent): void;
  progress(event: ProgressEvent): void;
  state(state: UploadState): void;
  /** A line that must not be overdrawn by the bars. */
  log(line: string): void;
}

export interface ProgressView {
  file(name: string, size: number): FileView;
  stop(): void;
}

export function barView(stream: NodeJS.WritableStream): ProgressView {
  const bars = multiBar(stream);
  return { file: (name, size) => fileBar(bars, name, size), stop: () => bars.stop() };
}

export function multiBar(stream: NodeJS.WritableStream): cliProgress.MultiBar {
  return new cliProgress.MultiBar(
    {
      stream,
      // Own payload names: {eta} and {value} are cli-progress's, computed from its own timer.
      format: '{name} |{bar}| {percentage}% {done}/{size} {rate} ETA {left} {status}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** One file's bar in `bars`; `bar` is there so a caller can remove it when the file is done. */
export function fileBar(bars: cliProgress.MultiBar, name: string, size: number): FileView & { bar: cliProgress.SingleBar } {
  const payload = { name: label(name), done: formatBytes(0), size: formatBytes(size), rate: '', left: '--', status: 'hashing' };
  const bar = bars.create(Math.max(1, size), 0, payload);
  return {
    bar,
    hashing: (e) => bar.update(e.bytesHashed, { ...payload, done: formatBytes(e.bytesHashed), status: 'hashing' }),
    progress: (e) =>
      bar.update(e.bytesDone, { ...payload, done: formatBytes(e.bytesDone), rate: e.rate > 0 ? `${formatBytes(e.rate)}/s` : '', left: formatEta(e.etaSeconds), status: `parts ${e.partsDone}/${e.partsTotal}` }),
    state: (state) => {
      payload.status = state;
      if (state === 'complete') bar.update(Math.max(1, size), { status: state });
      else bar.update({ status: state });
    },
    log: (line) => bars.log(`${line}\n`),
  };
}

/** Plain lines: every state change, and progress at most once a second per file. */
export function lineView(out: NodeJS.WritableStream, now: () => number = Date.now): ProgressView {
  return {
    file(name) {
      let last = 0;
      const throttled = (line: string, force = false) => {
        const t = now();
        if (!force && t - last < 1000) return;
        last = t;
        out.write(`${line}\n`);
      };
      return {
        hashing: (e) => throttled(`${name}: hashing ${percent(e.bytesHashed, e.bytesTotal)}`, e.bytesHashed === e.bytesTotal),
        progress: (e) =>
          throttled(
            `${name}: ${formatBytes(e.bytesDone)}/${formatBytes(e.bytesTotal)} (${percent(e.bytesDone, e.bytesTotal)}) parts ${e.partsDone}/${e.partsTotal} ${e.rate > 0 ? `${formatBytes(e.rate)}/s` : ''} ETA ${formatEta(e.etaSeconds)}`,
            e.partsDone === e.partsTotal,
          ),
        state: (state) => throttled(`${name}: ${state}`, true),
        log: (line) => out.write(`${line}\n`),
      };
    },
    stop: () => undefined,
  };
}

/** Bars line up only if labels have one width: long paths keep their end (the file name). */
export function label(name: string, width = 28): string {
  return name.length > width ? `…${name.slice(name.length - width + 1)}` : name.padEnd(width);
}

export function percent(done: number, total: number): string {
  return `${total === 0 ? 100 : Math.floor((done * 100) / total)}%`;
}
