"""A tiny model used by the training tests (importable by spawned DDP worker processes)."""

from torch import nn


class TinyNet(nn.Sequential):
    """Two strided convolutions, dropout, global average pooling and a linear head."""

    def __init__(self, n_classes: int, in_channels: int, *, dropout: float = 0.0) -> None:
        super().__init__(
            nn.Conv1d(in_channels, 8, 9, stride=2),
            nn.ReLU(),
            nn.Conv1d(8, 8, 9, stride=2),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(8, n_classes),
        )


def tiny_factory(n_classes: int, in_channels: int) -> nn.Module:
    """Dropout-free TinyNet (deterministic forward pass)."""
    return TinyNet(n_classes, in_channels)


def tiny_dropout_factory(n_classes: int, in_channels: int) -> nn.Module:
    """TinyNet with dropout, so that resumption must restore the RNG state."""
    return TinyNet(n_classes, in_channels, dropout=0.3)
