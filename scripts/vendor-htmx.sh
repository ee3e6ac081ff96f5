#!/usr/bin/env bash
# Vendors htmx from the npm registry into the console's static files (no CDN, no build step to run).
# Run it to move to another version; the file it writes is committed.
set -euo pipefail
VERSION=2.0.11
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null && tar xzf htmx.org-$VERSION.tgz)
cp "$work/package/dist/htmx.min.js" "$here/src/courroie/interfaces/web/static/htmx.min.js"
echo "htmx $VERSION (BSD Zero Clause License) from npm" > "$here/src/courroie/interfaces/web/static/htmx.VERSION"
