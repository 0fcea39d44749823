#!/usr/bin/env bash
# Copy the front-end packages installed by `npm ci` (package-lock.json) into
# the Django static folder, so the site needs no CDN and no internet:
#   node_modules/leaflet/dist  ->  src/veerkracht/web/static/vendor/leaflet/
# The vendor folder is git-ignored; run this after every `npm ci`
# (scripts/setup.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/veerkracht/web/static/vendor
if [ ! -f node_modules/leaflet/dist/leaflet.js ]; then
  echo "node_modules/leaflet ontbreekt: draai eerst 'npm ci'" >&2
  exit 1
fi
rm -rf "$VENDOR/leaflet.tmp"
mkdir -p "$VENDOR"
cp -R node_modules/leaflet/dist "$VENDOR/leaflet.tmp"
cp node_modules/leaflet/LICENSE "$VENDOR/leaflet.tmp/LICENSE" 2>/dev/null || true
rm -rf "$VENDOR/leaflet"
mv "$VENDOR/leaflet.tmp" "$VENDOR/leaflet"
# Translations: the compiled .mo files are committed; recompile when gettext
# is installed so they always match the .po sources.
if command -v msgfmt >/dev/null 2>&1; then
  UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
  (cd src/veerkracht/web && DJANGO_SETTINGS_MODULE=veerkracht.web.conf.ci \
    $UV run --quiet python -m veerkracht.web compilemessages \
      --ignore "signals/*" --ignore "stories/*" >/dev/null)
fi
