// The layering STYLE.md asks for, checked by `npm test` (npm run check:layers):
// protocols and http → domain ← stores, state. The domain defines its ports and
// imports no adapter, no protocol, no transport; adapters never reach up.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-outward',
      comment: 'src/domain defines the ports; it never imports adapters, protocols, http or the composition root',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(http|stores|state|protocols|client|demo|webhooks)/|^src/(app|compose|config|config-file|main)\\.ts$|^schemas/' },
    },
    {
      name: 'domain-imports-frameworks',
      comment: 'no express, no SDK, no Redis client in the domain',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: 'node_modules/(express|@aws-sdk|@azure|ioredis|pino|jose|cors)' },
    },
    {
      name: 'adapters-reach-up',
      comment: 'stores and state implement domain ports; they never import http or a protocol',
      severity: 'error',
      from: { path: '^src/(stores|state)/' },
      to: { path: '^src/(http|protocols)/' },
    },
    {
      name: 'protocols-bypass-domain',
      comment: 'a protocol maps its wire onto domain calls; it never calls a store or repository adapter itself',
      severity: 'error',
      from: { path: '^src/protocols/' },
      to: { path: '^src/(stores|state)/' },
    },
    {
      name: 'webhooks-stay-outbound',
      comment: 'webhooks map domain events onto their wire (like a protocol, outward); queues reach them through their port, composed by compose.ts',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/(http|stores|state|protocols|client|demo)/|^src/(app|compose|config|main)\\.ts$' },
    },
    {
      name: 'protocol-imports-another',
      comment: 'protocols are siblings on the same domain',
      severity: 'error',
      from: { path: '^src/protocols/([^/]+)/' },
      to: { path: '^src/protocols/', pathNot: '^src/protocols/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // TypeScript 7 (the native compiler) has no JS parser API for dependency-cruiser: swc parses instead.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
