// PlaceOS GET / served from the Redis index (issue 9), over HTTP: pages, X-Total-Count,
// Content-Range and Link agree with the filters, and uploads Redis has forgotten leave the
// total (and the pages) without anyone having read them first.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker } from '../support/broker.js';
import { testBytes } from '../support/protocol-driver.js';

const DAY = 24 * 60 * 60_000;

describe('PlaceOS listing from the index', () => {
  let broker: TestBroker;
  let time = Date.now();
  const clock = { now: () => time };
  const ids: string[] = [];
  const complete: string[] = [];

  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), clock, repo: redisRepository(undefined, clock) });
    const alice = broker.as('alice');
    for (let n = 0; n < 12; n++) {
      time += 1;
      const fields = { file_name: n % 3 === 0 ? `Lobby-loop-${n}.mp4` : `still-${n}.png`, tags: n % 2 === 0 ? ['lobby', 'signage'] : ['signage'], storage_id: n % 4 === 0 ? 'azure' : 's3' };
      if (n === 3 || n === 8) {
        const id = await alice.uploadWhole(testBytes(100 + n), fields);
        complete.push(id);
        ids.push(id);
      } else ids.push((await alice.create(testBytes(100 + n), fields)).upload_id);
    }
    await broker.as('bob').create(testBytes(7), { file_name: 'lobby-bob.mp4' });
  });

  const list = async (query: string) => {
    const res = await broker.as('alice').get(`/?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ids: (res.body as Array<{ id: string }>).map((u) => u.id), total: Number(res.headers['x-total-count']), range: res.headers['content-range'], link: res.headers['link'] };
  };
  const newest = () => [...ids].reverse();

  it('pages the unfiltered list newest first with exact totals and paging headers', async () => {
    expect(await list('limit=5')).toEqual({ ids: newest().slice(0, 5), total: 12, range: 'items 0-4/12', link: expect.stringContaining('offset=5') });
    expect(await list('limit=5&offset=10')).toEqual({ ids: newest().slice(10), total: 12, range: 'items 10-11/12', link: undefined });
    expect(await list('limit=5&offset=20')).toEqual({ ids: [], total: 12, range: 'items */12', link: undefined });
  });

  it('filters by name, tags and storage, counting every match and paging within them', async () => {
    const byName = newest().filter((_, i) => (11 - i) % 3 === 0);
    expect(await list('file_search=LOBBY&limit=2&offset=1')).toMatchObject({ ids: byName.slice(1, 3), total: byName.length });
    const byTag = newest().filter((_, i) => (11 - i) % 2 === 0);
    expect(await list('tags=signage,lobby&limit=4')).toMatchObject({ ids: byTag.slice(0, 4), total: byTag.length });
    const azure = newest().filter((_, i) => (11 - i) % 4 === 0);
    expect(await list('storage_id=azure&tags=lobby')).toMatchObject({ ids: azure, total: azure.length });
  });

  it('uploads Redis has forgotten leave the total and the pages; complete ones stay', async () => {
    time += 1 * DAY + 7 * DAY + 60_000;
    const newestComplete = [...complete].reverse();
    expect(await list('limit=1')).toEqual({ ids: newestComplete.slice(0, 1), total: 2, range: 'items 0-0/2', link: expect.stringContaining('offset=1') });
    expect(await list('tags=signage')).toMatchObject({ ids: newestComplete, total: 2 });
  });
});
