// The configuration files of a one-node Swift with the S3 API (s3api) and
// tempauth, as written by scripts/servers/swift.ts into a fresh directory.

export interface SwiftPorts {
  proxy: number;
  account: number;
  container: number;
  object: number;
}

export interface SwiftLayout {
  /** Holds swift.conf, the server configs and the rings. */
  etcDir: string;
  /** Parent of the single device directory `d1`. */
  devicesDir: string;
  cacheDir: string;
  ports: SwiftPorts;
  /** memcached for the proxy's cache filter (may be a port nobody listens on). */
  memcachePort: number;
  /** The user the servers run as (Swift would otherwise switch to `swift`). */
  user: string;
  /** Worker processes per server; 0 serves from the parent process itself. */
  workers: number;
  minSegmentSize: number;
  maxUploadParts: number;
  /** Browser origin(s) allowed by CORS; '' leaves CORS off. */
  corsOrigin: string;
}

type Section = Record<string, string | number | boolean>;

/** File name → contents, for every file the servers read. */
export function swiftConfigFiles(layout: SwiftLayout): Record<string, string> {
  return {
    'swift.conf': ini({
      // Fixed salts are fine: the data dir is thrown away after each run.
      'swift-hash': { swift_hash_path_prefix: 'signpost-test', swift_hash_path_suffix: 'signpost-test' },
      'storage-policy:0': { name: 'standard', default: 'yes' },
    }),
    'account-server.conf': backendConfig(layout, layout.ports.account, 'account-server', 'egg:swift#account'),
    'container-server.conf': backendConfig(layout, layout.ports.container, 'container-server', 'egg:swift#container'),
    'object-server.conf': backendConfig(layout, layout.ports.object, 'object-server', 'egg:swift#object'),
    'proxy-server.conf': proxyConfig(layout),
  };
}

function commonDefaults(layout: SwiftLayout, port: number): Section {
  return {
    bind_ip: '127.0.0.1',
    bind_port: port,
    workers: layout.workers,
    user: layout.user,
    swift_dir: layout.etcDir,
    devices: layout.devicesDir,
    mount_check: false, // the device is a plain directory, not a mount point
    disable_fallocate: true,
    recon_cache_path: layout.cacheDir,
    log_level: 'INFO',
  };
}

function backendConfig(layout: SwiftLayout, port: number, app: string, egg: string): string {
  return ini({
    DEFAULT: commonDefaults(layout, port),
    'pipeline:main': { pipeline: app },
    [`app:${app}`]: { use: egg },
  });
}

function proxyConfig(layout: SwiftLayout): string {
  const cors: Section = layout.corsOrigin === ''
    ? {}
    : {
        // CORS headers on actual responses; Swift exposes ETag by default,
        // listed anyway because browser uploaders must read each part's ETag.
        cors_allow_origin: layout.corsOrigin,
        cors_expose_headers: 'ETag',
      };
  const pipeline = [
    'catch_errors',
    'gatekeeper',
    'healthcheck',
    'proxy-logging',
    'cache', // mandatory: tempauth refuses every request without a memcache client
    'listing_formats',
    's3api', // S3 → Swift translation; must precede the auth filter
    'tempauth',
    'copy', // CopyObject and UploadPartCopy
    'slo', // multipart uploads are stored as static large objects
    'dlo',
    'versioned_writes',
    'proxy-logging',
    'proxy-server',
  ];
  const simpleFilters = ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats', 'copy', 'dlo', 'versioned_writes'];
  return ini({
    DEFAULT: { ...commonDefaults(layout, layout.ports.proxy), ...cors },
    'pipeline:main': { pipeline: pipeline.join(' ') },
    'app:proxy-server': { use: 'egg:swift#proxy', account_autocreate: true },
    'filter:s3api': {
      use: 'egg:swift#s3api',
      location: 'us-east-1',
      min_segment_size: layout.minSegmentSize,
      // S3 allows 10,000 parts; s3api defaults to 1,000.
      max_upload_part_num: layout.maxUploadParts,
      // Preflights on presigned URLs are answered by s3api, per proxy rather
      // than per bucket (PutBucketCors is not implemented).
      ...(layout.corsOrigin === '' ? {} : { cors_preflight_allow_origin: layout.corsOrigin }),
    },
    // Access key "test:tester", secret "testing".
    'filter:tempauth': { use: 'egg:swift#tempauth', user_test_tester: 'testing .admin' },
    'filter:cache': { use: 'egg:swift#memcache', memcache_servers: `127.0.0.1:${layout.memcachePort}` },
    // The completed upload's manifest lists every part.
    'filter:slo': { use: 'egg:swift#slo', max_manifest_segments: layout.maxUploadParts },
    ...Object.fromEntries(simpleFilters.map((name) => [`filter:${name}`, { use: `egg:swift#${name.replace('-', '_')}` }])),
  });
}

function ini(sections: Record<string, Section>): string {
  return Object.entries(sections)
    .map(([name, values]) => {
      const lines = Object.entries(values).map(([key, value]) => `${key} = ${typeof value === 'boolean' ? String(value) : value}`);
      return [`[${name}]`, ...lines].join('\n');
    })
    .join('\n\n') + '\n';
}
