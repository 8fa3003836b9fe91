#!/usr/bin/env bash
# Parse-checks the generated Go bindings with gofmt (Debian's golang, which .ci/run installs).
# The Go module proxy is unreachable here, so the bindings cannot be compiled; gofmt -e
# parses every file and exits non-zero on a syntax error. (Formatting differences are not
# errors: jsii-pacmak's output is not gofmt-formatted, and does not need to be.)
set -euo pipefail
if ! command -v gofmt >/dev/null 2>&1; then
  echo "gofmt not installed: Go bindings generated in dist/go, not parse-checked"
  exit 0
fi
files=$(find dist/go -name '*.go' | wc -l)
if [ "$files" -eq 0 ]; then
  echo "no generated Go files in dist/go" >&2
  exit 1
fi
if ! gofmt -e dist/go >/dev/null; then
  echo "gofmt cannot parse the generated Go code (errors above)" >&2
  exit 1
fi
echo "gofmt parsed all $files generated Go files"
