"""TrainConfig validation and JSON round trip."""

import pytest

from scatterwave.train import TrainConfig


def _cfg(**kw):
    return TrainConfig(**{"model": "m3", "dataset": "synthetic", "out_dir": "x", **kw})


def test_round_trip(tmp_path):
    cfg = _cfg(dataset_options={"split": "extrapolate"}, optimizer="sgd", momentum=0.5)
    cfg.save(tmp_path / "c.json")
    assert TrainConfig.load(tmp_path / "c.json") == cfg


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"optimizer": "rmsprop"}, "optimizer must be one of"),
        ({"epochs": 0}, "epochs must be > 0"),
        ({"weight_decay": -1.0}, "weight_decay must be >= 0"),
        ({"momentum": 0.5}, "only used by optimizer='sgd'"),
        ({"plateau_patience": 2, "scheduler": "cosine"}, "only used by scheduler='plateau'"),
        ({"max_steps": 0}, "max_steps"),
        ({"plateau_factor": 1.5}, "plateau_factor"),
        # checked here, not by torch.device after the data set has loaded (a raw traceback)
        ({"device": "gpu"}, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got 'gpu'"),
        ({"device": "cuda:x"}, "got 'cuda:x'"),
        # NaN passed "< 0" and "> 0" checks alike: the regulariser was silently off
        ({"wavelet_loss_weight": float("nan")}, "wavelet_loss_weight must be a finite number"),
        ({"lr": float("inf")}, "lr must be a finite number"),
        ({"grad_clip": float("nan")}, "grad_clip must be a finite number"),
        ({"seed": -1}, r"seed must be an integer in \[0, 2\*\*32\), got -1"),
        ({"seed": 2**60}, "seed must be an integer in"),  # overflowed in torch.manual_seed
    ],
)
def test_invalid_values_are_rejected(kw, match):
    with pytest.raises(ValueError, match=match):
        _cfg(**kw)


def test_unknown_fields_and_differences():
    with pytest.raises(ValueError, match="unknown TrainConfig fields"):
        TrainConfig.from_dict({**_cfg().to_dict(), "learning_rate": 1.0})
    diff = _cfg(epochs=5, lr=0.1).differences(_cfg(epochs=9))
    assert diff == {"lr": (0.1, 0.001)}  # epochs may change on resume
