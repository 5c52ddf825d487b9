// The demo uploader page at / (embedded defaults, or `demo_page: true`).
// A placeholder until the client library lands: it says how to use the API.
import express, { type Router } from 'express';

export function demoRouter(basePath: string): Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signpost</title></head>
<body><main><h1>Signpost</h1><p>The uploads API is at <code>${basePath}</code>. See the README for a curl session.</p></main></body></html>`);
  });
  return router;
}
