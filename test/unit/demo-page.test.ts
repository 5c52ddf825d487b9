// The demo router on its own: the page with its config island, and the
// scripts esbuild bundles in memory (the browser run is test/e2e).
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { demoRouter } from '../../src/http/demo-page.js';

function app(options: Parameters<typeof demoRouter>[1] = {}) {
  return express().use(demoRouter('/api/engine/v2/uploads', options));
}

describe('demoRouter', () => {
  it('serves the page with the broker facts in a JSON island that cannot close its script tag', async () => {
    const res = await request(app({ devApiKey: 'dev</script><script>alert(1)</script>', storages: [{ id: 'cold', residence: 'AzureStorage' }] })).get('/');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const island = /<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(res.text)?.[1];
    expect(island).toBeDefined();
    expect(island).not.toContain('<');
    expect(JSON.parse(island!)).toEqual({
      basePath: '/api/engine/v2/uploads',
      devApiKey: 'dev</script><script>alert(1)</script>',
      storages: [{ id: 'cold', residence: 'AzureStorage' }],
    });
  });

  it('leaves the key field empty unless a dev key is given', async () => {
    const res = await request(app()).get('/');
    expect(res.text).toContain('"devApiKey":null');
  });

  it('bundles the page script and the MD5 worker once, as ES modules', async () => {
    const served = app();
    const [script, worker, css] = await Promise.all([
      request(served).get('/demo/app.js'),
      request(served).get('/demo/md5-worker.js'),
      request(served).get('/demo/demo.css'),
    ]);
    expect(script.status).toBe(200);
    expect(script.type).toBe('text/javascript');
    // The worker is found next to the script (worker-hasher.ts: new URL('./md5-worker.js', import.meta.url)).
    expect(script.text).toContain('md5-worker.js');
    expect(script.text).toContain('import.meta.url');
    expect(worker.status).toBe(200);
    expect(worker.text).not.toMatch(/^\s*import\s/m); // self-contained: hash-wasm is inside
    expect(css.type).toBe('text/css');
    const again = await request(served).get('/demo/app.js').set('If-None-Match', script.headers['etag'] as string);
    expect(again.status).toBe(304);
  });
});
