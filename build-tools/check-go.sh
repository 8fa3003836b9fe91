#!/usr/bin/env bash
# Parse-checks the generated Go bindings with gofmt (Debian's golang), when it is installed.
# The Go module proxy is unreachable here, so the bindings cannot be compiled.
set -euo pipefail
if ! command -v gofmt >/dev/null 2>&1; then
  echo "gofmt not installed: Go bindings generated in dist/go, not parse-checked"
  exit 0
fi
bad=$(gofmt -l -e dist/go)
if [ -n "$bad" ]; then
  echo "gofmt cannot parse the generated Go code:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "gofmt parsed every generated Go file"
