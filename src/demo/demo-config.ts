// What the broker tells the demo page about itself. demo-page.ts writes it into
// the HTML as a JSON island; the page script reads it back. Types only on the
// server side, so nothing here touches the DOM at import time.

export interface DemoStorage {
  id: string;
  /** AmazonS3 or AzureStorage. */
  residence: string;
  /** What this store cannot do (the embedded s3rver: no resume, no cancel), shown beside it. */
  limits?: string;
}

export interface DemoConfig {
  /** The uploads API, e.g. /api/engine/v2/uploads. */
  basePath: string;
  /** Prefilled API key (embedded dev mode only); null in a real deployment. */
  devApiKey: string | null;
  storages: DemoStorage[];
}

export const CONFIG_ELEMENT_ID = 'demo-config';

/** Reads the JSON island, falling back to an empty config rather than breaking the page. */
export function readDemoConfig(doc: Document): DemoConfig {
  const fallback: DemoConfig = { basePath: '/api/engine/v2/uploads', devApiKey: null, storages: [] };
  const text = doc.getElementById(CONFIG_ELEMENT_ID)?.textContent;
  if (!text) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(text) as Partial<DemoConfig>) };
  } catch {
    return fallback;
  }
}
