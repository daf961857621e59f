"""Tolerances used across the suite, with the reason for each."""

#: float64 computations of the same formula in different libraries differ only by FFT round-off
#: (pocketfft, MKL, XLA), a few ulps of the largest coefficient after ~1e3 operations.
RTOL_F64 = 1e-10
#: float32: single-precision FFTs of length up to 2**14 lose ~log2(N) * 6e-8 relative accuracy.
RTOL_F32 = 1e-5
