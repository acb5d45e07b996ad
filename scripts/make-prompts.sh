#!/usr/bin/env bash
# Generates the default Brazilian Portuguese prompts into prompts/pt-BR/<name>.wav
# (8 kHz mono 16-bit PCM): speech with espeak-ng (-v pt-br) from
# scripts/prompts-pt-BR.tsv, a 0.25 s 1 kHz beep and a 20 s chord loop of music on
# hold with sox. Idempotent: a prompt newer than this script and the list is kept.
#   scripts/make-prompts.sh [--force] [OUTPUT_DIR]
# Needs espeak-ng and sox (scripts/install-deps.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
OUT="${1:-prompts/pt-BR}"
LIST=scripts/prompts-pt-BR.tsv
SELF=scripts/make-prompts.sh

for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-prompts: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# True when $1 must be (re)made.
stale() {
  [ "$force" = 1 ] || [ ! -s "$1" ] || [ "$LIST" -nt "$1" ] || [ "$SELF" -nt "$1" ]
}

# Written under a temporary name and renamed, so an interrupted run leaves no half file.
made=0
while IFS=$'\t' read -r name text; do
  case "$name" in ''|'#'*) continue ;; esac
  target="$OUT/$name.wav"
  stale "$target" || continue
  espeak-ng -v pt-br -s 150 -w "$work/speech.wav" "$text"
  # Trim espeak's leading and trailing silence (prompts are played back to back), keep 40 ms after.
  sox "$work/speech.wav" -r 8000 -c 1 -b 16 "$work/$name.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse pad 0 0.04 norm -3
  mv "$work/$name.wav" "$target"
  made=$((made + 1))
done < "$LIST"

if stale "$OUT/beep.wav"; then
  sox -n -r 8000 -c 1 -b 16 "$work/beep.wav" synth 0.25 sine 1000 fade 0.005 0.25 0.005 vol 0.5
  mv "$work/beep.wav" "$OUT/beep.wav"
  made=$((made + 1))
fi

# Music on hold: C, Am, F, G (5 s each) on soft sines, fading in and out so the loop has no click.
if stale "$OUT/musica-de-espera.wav"; then
  chord() {
    local out=$1; shift
    local synth=()
    for f in "$@"; do synth+=(sine "$f"); done
    sox -r 8000 -c $# -n -c 1 -b 16 "$out" synth 5 "${synth[@]}" fade q 0.8 5 0.8
  }
  chord "$work/c1.wav" 130.81 261.63 329.63 392.00
  chord "$work/c2.wav" 110.00 220.00 261.63 329.63
  chord "$work/c3.wav" 87.31 174.61 261.63 349.23
  chord "$work/c4.wav" 98.00 196.00 246.94 392.00
  sox "$work/c1.wav" "$work/c2.wav" "$work/c3.wav" "$work/c4.wav" -b 16 "$work/moh.wav" tremolo 0.5 20 reverb 30 norm -6
  mv "$work/moh.wav" "$OUT/musica-de-espera.wav"
  made=$((made + 1))
fi

echo "make-prompts: $made made, $(find "$OUT" -maxdepth 1 -name '*.wav' | wc -l) prompts in $OUT"
