"""DistributedDataParallel on CPU: 2 gloo processes reproduce the single-process run."""

import numpy as np
import torch
from tiny_model import tiny_factory

from scatterwave.datasets import make_waveforms
from scatterwave.train import TrainConfig, fit, launch_local, load_checkpoint
from scatterwave.train.distributed import DistContext, gather_rows


def test_two_processes_match_one(tmp_path):
    data = make_waveforms(n_train=40, n_val=18, n_test=19, length=96, seed=3)
    kw = dict(model="tiny", dataset="synthetic", epochs=2, batch_size=8, lr=5e-3,
              progress="log", device="cpu", num_threads=1)  # fmt: skip
    single = fit(TrainConfig(out_dir=str(tmp_path / "one"), **kw), data=data,
                 model_factory=tiny_factory)  # fmt: skip
    cfg = TrainConfig(out_dir=str(tmp_path / "two"), **kw)
    launch_local(fit, 2, cfg, data=data, model_factory=tiny_factory)
    a = load_checkpoint(tmp_path / "one" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "two" / "checkpoint.pt")
    assert b["run"]["global_step"] == a["run"]["global_step"] == 10
    # Each global batch of 8 is split 4 + 4 over the ranks and the gradients averaged, so the
    # updates equal the single-process ones up to float32 summation order (10 Adam steps).
    for k in a["model"]:
        torch.testing.assert_close(b["model"][k], a["model"][k], rtol=1e-4, atol=1e-5)
    # Both ranks' RNG states are saved (each rank has its own dropout stream).
    assert len(b["rng"]) == 2
    assert not torch.equal(b["rng"][0]["torch"], b["rng"][1]["torch"])
    # Sharded evaluation (18 and 19 items over 2 ranks) reassembles every item: same metrics.
    hist_a, hist_b = a["run"]["history"], b["run"]["history"]
    np.testing.assert_allclose(hist_b[-1]["val_loss"], hist_a[-1]["val_loss"], rtol=1e-4)
    assert hist_b[-1]["val_accuracy"] == hist_a[-1]["val_accuracy"]
    assert (tmp_path / "two" / "metrics.json").is_file()
    assert single.test["accuracy"] >= 0.0


def test_gather_rows_single_process_is_identity():
    t = torch.arange(6).reshape(3, 2)
    assert gather_rows(t, 3, DistContext()) is t
