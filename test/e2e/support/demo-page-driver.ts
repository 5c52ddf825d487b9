// Deadlines here are generous on purpose: they only bound a wait for a condition, and on a busy
// 2-core machine (CI beside other work) a 24 MiB browser upload has taken over 40 s.
// Driving the demo page the way a person does (settings, the file picker, the
// row's buttons) and watching what the browser sends to the stores: part
// requests by number, and a gate that holds parts back to interrupt uploads.
import type { BrowserContext, Locator, Page, Request, Route } from 'playwright-core';

const FINAL_STATES = ['complete', 'failed', 'refused', 'cancelled'];

export class DemoPage {
  private constructor(readonly page: Page) {}

  static async open(context: BrowserContext, url: string): Promise<DemoPage> {
    const page = await context.newPage();
    const demo = new DemoPage(page);
    await demo.goto(url);
    return demo;
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await this.ready();
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.ready();
  }

  /** The script sets body[data-ready] once the form is wired and settings restored. */
  private async ready(): Promise<void> {
    await this.page.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
  }

  async settings(choice: { storage?: string; parallel?: number }): Promise<void> {
    if (choice.storage !== undefined) await this.page.getByLabel('Storage').selectOption(choice.storage);
    if (choice.parallel !== undefined) {
      const field = this.page.getByLabel('Parts at once');
      await field.fill(String(choice.parallel));
      await field.dispatchEvent('change');
    }
  }

  async pick(...paths: string[]): Promise<void> {
    await this.page.locator('input[type="file"]').setInputFiles(paths);
  }

  row(fileName: string): Locator {
    return this.page.locator('#uploads > li').filter({ has: this.page.locator('.file-name', { hasText: fileName }) });
  }

  async rowState(fileName: string): Promise<string | null> {
    return this.row(fileName).last().getAttribute('data-state');
  }

  async waitForState(fileName: string, states: string[], timeout = 120_000): Promise<string> {
    const handle = await this.page.waitForFunction(
      ([name, wanted]) => {
        const rows = [...document.querySelectorAll<HTMLElement>('#uploads > li')].filter((li) => li.querySelector('.file-name')?.textContent === name);
        const state = rows.at(-1)?.dataset['state'];
        return state !== undefined && wanted.includes(state) ? state : false;
      },
      [fileName, states] as const,
      { timeout, polling: 50 },
    );
    return (await handle.jsonValue()) as string;
  }

  /** Waits for a final state and says what the row shows, so a failure reads as the page's own message. */
  async finish(fileName: string, timeout = 180_000): Promise<{ state: string; text: string; uploadId: string | null }> {
    const state = await this.waitForState(fileName, FINAL_STATES, timeout);
    const row = this.row(fileName).last();
    return { state, text: await row.innerText(), uploadId: await row.getAttribute('data-upload-id') };
  }

  completedEntry(uploadId: string): Locator {
    return this.page.locator(`#completed > li[data-upload-id="${uploadId}"]`);
  }
}

/** Part N of a store request: S3 UploadPart (`partNumber=N`) or Azure Put Block (`comp=block`, blockid = base64 of N zero-padded). */
export function storePartNumber(url: string | URL): number | undefined {
  const parsed = new URL(url);
  const partNumber = parsed.searchParams.get('partNumber');
  if (partNumber !== null) return Number(partNumber);
  const blockId = parsed.searchParams.get('blockid');
  if (parsed.searchParams.get('comp') === 'block' && blockId !== null) return Number(Buffer.from(blockId, 'base64').toString('utf8'));
  return undefined;
}

interface PartRequest {
  part: number;
  phase: number;
  /** undefined while in flight; false when it failed or the store refused it. */
  ok: boolean | undefined;
}

/** Every part request the page sends to a store, tagged with the phase the test is in (e.g. before and after a reload). */
export class StorePartLog {
  phase = 1;
  private readonly entries = new Map<Request, PartRequest>();

  constructor(page: Page) {
    page.on('request', (request) => {
      const part = request.method() === 'PUT' ? storePartNumber(request.url()) : undefined;
      if (part !== undefined) this.entries.set(request, { part, phase: this.phase, ok: undefined });
    });
    page.on('requestfinished', (request) => {
      const entry = this.entries.get(request);
      if (entry) void request.response().then((res) => (entry.ok = res?.ok() ?? false));
    });
    page.on('requestfailed', (request) => {
      const entry = this.entries.get(request);
      if (entry) entry.ok = false;
    });
  }

  /** Part numbers requested in `phase`, in order, repeats kept. */
  sent(phase: number): number[] {
    return [...this.entries.values()].filter((e) => e.phase === phase).map((e) => e.part);
  }

  /** Part numbers the store accepted in `phase`, ascending, each once. */
  stored(phase: number): number[] {
    return [...new Set([...this.entries.values()].filter((e) => e.phase === phase && e.ok === true).map((e) => e.part))].sort((a, b) => a - b);
  }
}

/** Holds part requests from `firstHeld` on at the browser's edge, so an upload stops at a known point. */
export class PartGate {
  private readonly held: Route[] = [];
  private readonly matcher = (url: URL) => storePartNumber(url) !== undefined;

  private constructor(
    private readonly page: Page,
    private readonly firstHeld: number,
  ) {}

  static async install(page: Page, firstHeld: number): Promise<PartGate> {
    const gate = new PartGate(page, firstHeld);
    await page.route(gate.matcher, async (route) => {
      if ((storePartNumber(route.request().url()) ?? 0) >= gate.firstHeld) gate.held.push(route);
      else await route.continue();
    });
    return gate;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Stops holding; held requests go on to the store (the page may have abandoned them: that is fine). */
  async open(): Promise<void> {
    await this.page.unroute(this.matcher);
    await Promise.all(this.held.splice(0).map((route) => route.continue().catch(() => undefined)));
  }

  /** Stops holding and fails what is held, as a dropped connection would. */
  async drop(): Promise<void> {
    await this.page.unroute(this.matcher);
    await Promise.all(this.held.splice(0).map((route) => route.abort('connectionreset').catch(() => undefined)));
  }
}

/** Polls `read` until `accept` likes its value. */
export async function until<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
