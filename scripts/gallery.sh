#!/usr/bin/env bash
# Regenerates the README gallery: one real run per figure type (scripts/gallery.commands), its figure's PNG copied to
# docs/gallery/NAME.png. Needs rsvg-convert (Debian: librsvg2-bin). Usage: scripts/gallery.sh [statphys binary]
set -euo pipefail
cd "$(dirname "$0")/.."
statphys="${1:-}"
if [ -z "$statphys" ]; then
    swift build -c release --product statphys >&2
    statphys=".build/release/statphys"
fi
command -v rsvg-convert >/dev/null || { echo "gallery: rsvg-convert is needed (apt-get install librsvg2-bin)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p docs/gallery
declare -A runs   # arguments → the directory of the run that had them (two figures of one run: one run)
while IFS="|" read -r name figure arguments _; do
    case "$name" in ''|'#'*) continue ;; esac
    if [ -z "${runs[$arguments]:-}" ]; then
        echo "gallery: $name ← statphys $arguments" >&2
        eval "set -- $arguments"
        status=0
        "$statphys" "$@" --quiet --output "$work/$name" > /dev/null || status=$?
        # 3: the run diverged (its figures show where); anything else is a failure.
        [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "gallery: $name failed with status $status" >&2; exit 1; }
        runs[$arguments]="$work/$name"
    fi
    cp "${runs[$arguments]}/$figure.png" "docs/gallery/$name.png"
done < scripts/gallery.commands
echo "gallery: wrote $(ls docs/gallery | wc -l) figures into docs/gallery" >&2
