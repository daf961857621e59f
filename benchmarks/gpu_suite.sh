#!/usr/bin/env bash
# The GPU checks in one go, for a machine with a CUDA device: the tests that exercise CUDA,
# CuPy and JAX-on-GPU, then benchmarks/gpu.py (the matrix against Kymatio main) and one
# profile of the largest batch. Usage: bash benchmarks/gpu_suite.sh OUT_DIR [KYMATIO_PATH]
# Needs PYTHONPATH to reach src/ and tests/ (for _tol), e.g. PYTHONPATH=src:tests.
set -uo pipefail
out=${1:?output folder}
kymatio=${2:-../shared/peers/kymatio-main}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
nvidia-smi -L
# -m "not slow": the torch.compile tests run on CPU tensors (30-60 s each, not a GPU check)
timeout 150 python3 -m pytest -q -p no:cacheprovider -m "not slow" \
  tests/test_cuda_graph.py tests/test_device.py tests/test_gpu_libraries.py \
  tests/test_scattering1d_backends.py tests/test_jtfs_backends.py tests/nn/test_layers.py \
  tests/nn/test_scattering_module.py tests/extract/test_config.py \
  tests/nn/test_stem.py::test_fused_model_on_cuda_matches_cpu \
  tests/nn/test_autocast.py::test_wavelet_network_trains_under_cuda_float16_autocast \
  tests/extract/test_runner.py::test_cuda_matches_cpu \
  >"$out/tests.log" 2>&1
echo "tests: exit $?"; tail -25 "$out/tests.log"
timeout 240 python3 benchmarks/gpu.py --device cuda --kymatio "$kymatio" --time-limit 160 \
  --json "$out/gpu.json" --markdown "$out/gpu.md" >"$out/gpu.log" 2>&1
echo "gpu.py: exit $?"; cat "$out/gpu.md"; grep -i "error\|Traceback" "$out/gpu.log" | head
timeout 45 python3 benchmarks/gpu_profile.py --N 65536 --batch 512 --libraries torch --top 12 \
  >"$out/profile.txt" 2>&1
echo "profile: exit $?"; grep "=====\|kernels," "$out/profile.txt"
