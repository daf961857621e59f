"""PyTorch layers and modules: transform wrappers and Wavelet Networks."""
