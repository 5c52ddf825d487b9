// Numbers as people read them: sizes in binary units, rates, time left.
import type { ProgressEvent } from '../client/browser.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "10.0 MiB of 24.0 MiB · 3.20 MiB/s · about 4 s left · 2 of 5 parts" */
export function describeProgress(progress: ProgressEvent): string {
  const pieces = [`${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`];
  if (progress.rate > 0) pieces.push(formatRate(progress.rate));
  if (progress.etaSeconds !== null && progress.bytesDone < progress.bytesTotal) pieces.push(`about ${formatDuration(progress.etaSeconds)} left`);
  if (progress.partsTotal > 1) pieces.push(`${progress.partsDone} of ${progress.partsTotal} parts`);
  return pieces.join(' · ');
}

export function formatDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
