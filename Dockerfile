# Signpost, the production image: compiled JavaScript on Node 20, production dependencies
# only (no tsx, esbuild, azurite or s3rver), run as the unprivileged `node` user.
#   docker build -t signpost .
#   docker run -p 8080:8080 -e SIGNPOST_CONFIG=/config/signpost.json -e REDIS_URL=redis://redis:6379 \
#     -v "$PWD/config:/config:ro" signpost
# The image has no embedded stores and no demo page script bundler: configure real storages.

# ---- build: the TypeScript compiler and the rest of the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
# dist/src/main.js, dist/src/client/…, dist/schemas/… (tsconfig.build.json has rootDir ".")
RUN npm run build

# ---- runtime: production dependencies and the build output ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at start: the config file's schema (src/config.ts finds it from package.json's folder).
COPY schemas/config.schema.json ./schemas/config.schema.json
USER node
EXPOSE 8080
# /healthz answers while the process serves requests; HOST must include loopback (0.0.0.0 does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 and handles SIGTERM (main.ts closes the server and Redis, then exits 0).
CMD ["node", "dist/src/main.js"]
