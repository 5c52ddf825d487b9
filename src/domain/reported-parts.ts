// The parts a progress report says are done, each once. A PlaceOS finish names 10,000 parts
// twice over (part_list and part_data): a position per part number in a typed array instead
// of a Map of 20,000 entries, a fifth of the time (the Map was the largest piece of the
// domain's own work in a finish; scripts/bench/parts-10k.ts).
import type { DoneReport } from './ports.js';

/** Azure's most blocks (S3 takes 10,000 parts): every part number a store takes has a position. */
const MAX_POSITIONED_PART = 50_000;

export interface ReportedProgress {
  partList?: number[];
  partData?: DoneReport[];
}

/** Each part once, in the order first named; part_data wins over part_list, a later entry over an earlier. */
export function reportedParts(progress: ReportedProgress | undefined): DoneReport[] {
  const partData = progress?.partData ?? [];
  const partList = progress?.partList ?? [];
  let highest = 0;
  for (const entry of partData) highest = Math.max(highest, entry.part);
  for (const part of partList) highest = Math.max(highest, part);
  const reported = new ReportsByPart(highest);
  for (const part of partList) reported.set({ part });
  for (const entry of partData) reported.set(entry);
  return reported.values;
}

/** A Map from part number to report, kept as a position per number (a number beyond them goes to a Map). */
class ReportsByPart {
  readonly values: DoneReport[] = [];
  private readonly positions: Int32Array;
  private readonly others = new Map<number, number>();

  constructor(highest: number) {
    this.positions = new Int32Array(Number.isInteger(highest) ? Math.min(highest, MAX_POSITIONED_PART) + 1 : 0);
  }

  set(report: DoneReport): void {
    const { part } = report;
    const positioned = Number.isInteger(part) && part >= 0 && part < this.positions.length;
    // Positions are stored plus one: 0 means none yet.
    const known = positioned ? (this.positions[part] ?? 0) - 1 : (this.others.get(part) ?? -1);
    if (known >= 0) {
      this.values[known] = report;
      return;
    }
    if (positioned) this.positions[part] = this.values.length + 1;
    else this.others.set(part, this.values.length);
    this.values.push(report);
  }
}
