# syntax=docker/dockerfile:1
# The example services as images of their own:
#   docker build -f deploy/examples.Dockerfile --build-arg EXAMPLE=weather-ingress -t ghcr.io/mirrorbase/weather-ingress .
#   docker build -f deploy/examples.Dockerfile --build-arg EXAMPLE=forecast-model -t ghcr.io/mirrorbase/forecast-model .
# Each serves its service over HTTP on port 8080 (`--serve`) for the server's service registry,
# as user 10001 on a read-only root file system. Credentials (MIRRORBASE_URL with
# MIRRORBASE_API_KEY) come from the environment at run time; without them a call answers the
# requests for the registry to write.
# CI runs every step of this file outside Docker: deploy/check/image.sh.
ARG EXAMPLE=weather-ingress

# --- build: the SDK, then the example bundled with it (no node_modules at run time) ---
FROM node:24-bookworm-slim AS build
ARG EXAMPLE
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/server/package.json packages/server/
COPY packages/sdk/package.json packages/sdk/
COPY packages/web/package.json packages/web/
COPY examples/weather-ingress/package.json examples/weather-ingress/
COPY examples/forecast-model/package.json examples/forecast-model/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY packages/server/openapi.json packages/server/
COPY packages/sdk packages/sdk/
COPY examples/${EXAMPLE} examples/${EXAMPLE}/
# The SDK imports its Node parts (serve, the CLI) by a computed path, ./node/<name>.js beside its
# own module, so a browser bundle never includes them: they are entry points of their own here,
# and the code they share with the example is one chunk.
RUN npm run build -w @mirrorbase/sdk \
  && mkdir -p /out \
  && npx esbuild "main=examples/${EXAMPLE}/src/main.ts" node/cli=packages/sdk/dist/node/cli.js \
    node/serve=packages/sdk/dist/node/serve.js --bundle --splitting --platform=node --format=esm \
    --target=node24 --outdir=/out --log-level=warning \
  && echo '{"type": "module"}' > /out/package.json

# --- the Node binary without its debugging symbols ---
FROM node:24-bookworm-slim AS node
RUN apt-get update \
  && apt-get install -y --no-install-recommends binutils \
  && mkdir -p /out \
  && strip -o /out/node "$(command -v node)"

# --- runtime: Debian slim, Node and the bundle ---
FROM debian:bookworm-slim AS runtime
ARG EXAMPLE
LABEL org.opencontainers.image.title="Mirrorbase example: ${EXAMPLE}" \
  org.opencontainers.image.description="An example Mirrorbase service built on @mirrorbase/sdk, served over HTTP" \
  org.opencontainers.image.source="https://github.com/mirrorbase/mirrorbase" \
  org.opencontainers.image.licenses="MIT"
COPY --from=node /out/node /usr/local/bin/node
COPY --from=build /out/ /app/
ENV NODE_ENV=production \
  PORT=8080 \
  HOME=/tmp
USER 10001:10001
EXPOSE 8080
# GET /healthz is the one request that does not run the service (the SDK's serve()).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/main.js", "--serve", "--host", "0.0.0.0"]
CMD ["--port", "8080"]
