"""The training loop: learning, exact resumption, split hygiene, outputs."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny_model import tiny_dropout_factory, tiny_factory

from scatterwave.datasets import ArraySplit, DatasetSplits, make_waveforms
from scatterwave.train import epoch_batches, evaluate, fit, load_checkpoint


def _params(model_state):
    return torch.cat([v.flatten().float() for v in model_state.values()])


def test_training_lowers_the_loss_and_writes_outputs(make_config, data, caplog):
    torch.manual_seed(0)
    before = evaluate(tiny_factory(4, 1).eval(), data.train)["loss"]
    with caplog.at_level(logging.INFO, logger="scatterwave.train"):
        result = fit(make_config(epochs=15, lr=1e-2), data=data, model_factory=tiny_factory)
    # The initial loss is ~log(4) = 1.39; 15 epochs of Adam on this easy task bring it well
    # below (a 15% drop is far beyond run-to-run noise of a learning model).
    assert result.history[-1]["train_loss"] < 0.85 * before
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert {"config.json", "checkpoint.pt", "best.pt", "metrics.json"} <= {
        p.name for p in result.out_dir.iterdir()
    }
    metrics = json.loads((result.out_dir / "metrics.json").read_text())
    assert len(metrics["history"]) == 15 and metrics["best_epoch"] == result.best_epoch
    assert metrics["test"]["accuracy"] == pytest.approx(result.test["accuracy"])
    assert "epoch 15/15" in caplog.text  # plain log lines when stderr is not a terminal
    assert result.n_parameters == sum(p.numel() for p in tiny_factory(4, 1).parameters())


def test_resume_is_bit_identical(make_config, data):
    kw = dict(epochs=3, model="tiny-dropout")
    straight = fit(make_config("a", **kw), data=data, model_factory=tiny_dropout_factory)
    # Interrupt mid-epoch (18 steps = 3 epochs of 6; stop at step 8, in epoch 2), then resume.
    cut = fit(make_config("b", max_steps=8, **kw), data=data,
              model_factory=tiny_dropout_factory)  # fmt: skip
    assert cut.stopped_early and cut.steps == 8
    resumed = fit(make_config("b", **kw), data=data, model_factory=tiny_dropout_factory,
                  resume=True)  # fmt: skip
    assert resumed.steps == straight.steps == 18
    a = load_checkpoint(straight.out_dir / "checkpoint.pt")
    b = load_checkpoint(resumed.out_dir / "checkpoint.pt")
    assert torch.equal(_params(a["model"]), _params(b["model"]))
    assert a["run"]["history"][-1]["train_loss"] == b["run"]["history"][-1]["train_loss"]
    assert straight.test == resumed.test
    # A different seed gives different weights: the comparison above can fail.
    other = fit(make_config("c", seed=1, **kw), data=data, model_factory=tiny_dropout_factory)
    c = load_checkpoint(other.out_dir / "checkpoint.pt")
    assert not torch.equal(_params(a["model"]), _params(c["model"]))


def test_max_steps_counts_every_step_of_the_run(make_config, data):
    """``max_steps`` is the run's total: a resumption with it takes the steps left, and none
    when the run already has them (it took one more step, whatever the value)."""
    cut = fit(make_config(max_steps=8), data=data, model_factory=tiny_factory)
    assert cut.steps == 8
    same = fit(make_config(max_steps=8), data=data, model_factory=tiny_factory, resume=True)
    assert same.steps == 8 and same.stopped_early
    assert fit(make_config(max_steps=3), data=data, model_factory=tiny_factory,
               resume=True).steps == 8  # fmt: skip
    assert fit(make_config(max_steps=10), data=data, model_factory=tiny_factory,
               resume=True).steps == 10  # fmt: skip
    # at an epoch's end (6 steps per epoch): the next epoch does not start
    assert fit(make_config("e", max_steps=6), data=data, model_factory=tiny_factory).steps == 6
    again = fit(make_config("e", max_steps=6), data=data, model_factory=tiny_factory, resume=True)
    assert again.steps == 6 and len(again.history) == 1


def test_resume_guards(make_config, data):
    fit(make_config(epochs=1), data=data, model_factory=tiny_factory)
    with pytest.raises(FileExistsError, match="resume"):
        fit(make_config(epochs=1), data=data, model_factory=tiny_factory)
    with pytest.raises(ValueError, match="'lr'"):
        fit(make_config(epochs=2, lr=0.1), data=data, model_factory=tiny_factory,
            resume=True)  # fmt: skip
    more = fit(make_config(epochs=2), data=data, model_factory=tiny_factory, resume=True)
    assert [h["epoch"] for h in more.history] == [1, 2]


def test_a_moved_run_resumes_from_its_new_folder(make_config, data, tmp_path):
    # out_dir and data_root say where the run and its data lie, not what it computes
    fit(make_config("old", epochs=1), data=data, model_factory=tiny_factory)
    (tmp_path / "old").rename(tmp_path / "new")
    moved = make_config("new", epochs=2, data_root=str(tmp_path / "elsewhere"))
    more = fit(moved, data=data, model_factory=tiny_factory, resume=True)
    assert [h["epoch"] for h in more.history] == [1, 2]


def test_resuming_on_other_data_is_refused(make_config, data):
    fit(make_config(epochs=1), data=data, model_factory=tiny_factory)
    other = make_waveforms(n_train=96, n_val=48, n_test=48, length=128, seed=1)
    with pytest.raises(ValueError, match="are not the run's: other labels in the train split"):
        fit(make_config(epochs=2), data=other, model_factory=tiny_factory, resume=True)
    # same labels, other signals (one item scaled)
    x = data.train.x.copy()
    x[5] *= 1.01
    scaled = DatasetSplits(data.name, ArraySplit(x, data.train.y), data.val, data.test,
                           data.classes)  # fmt: skip
    with pytest.raises(ValueError, match=r"other signals in the train split \(item 5 first\)"):
        fit(make_config(epochs=2), data=scaled, model_factory=tiny_factory, resume=True)
    # the run's own data resume
    assert len(fit(make_config(epochs=2), data=data, model_factory=tiny_factory,
                   resume=True).history) == 2  # fmt: skip


def test_data_signature_ignores_dtypes_and_sees_past_nan_items(data):
    from scatterwave.train._session import data_signature, signature_mismatch

    ref = data_signature(data)
    retyped = DatasetSplits(
        data.name, ArraySplit(data.train.x.astype(np.float64), data.train.y.astype(np.int32)),
        data.val, data.test, data.classes,
    )  # fmt: skip
    assert signature_mismatch(ref, data_signature(retyped)) is None
    x = data.train.x.copy()
    x[0, 0, 3] = np.nan
    with_nan = DatasetSplits(data.name, ArraySplit(x, data.train.y), data.val, data.test,
                             data.classes)  # fmt: skip
    saved = data_signature(with_nan)
    assert signature_mismatch(saved, data_signature(with_nan)) is None
    # one NaN item used to make every comparison of its split pass
    other = x.copy()
    other[7] *= 2
    changed = DatasetSplits(data.name, ArraySplit(other, data.train.y), data.val, data.test,
                            data.classes)  # fmt: skip
    assert signature_mismatch(saved, data_signature(changed)) == (
        "other signals in the train split (item 7 first)"
    )
    assert "item 0" in signature_mismatch(ref, data_signature(with_nan))


def test_data_signature_rms_blocks_equal_one_pass():
    from scatterwave.train._session import _item_rms

    x = np.random.default_rng(0).standard_normal((600, 2, 7)).astype(np.float32)
    ref = np.sqrt((x.astype(np.float64) ** 2).mean(axis=(1, 2)))
    assert _item_rms(x, block=256) == pytest.approx(ref, rel=1e-15)
    assert _item_rms(x[:0]) == [] and _item_rms(np.zeros((3, 1, 0))) == []


def test_cosine_schedule_continues_on_the_new_horizon(make_config, data):
    """Raising ``epochs`` on resume: the rate of the epochs left follows the cosine curve of
    the new horizon, as in a run that had it from the start (it kept the old horizon: a
    whole epoch at rate 0, then rising again)."""
    kw = dict(scheduler="cosine", lr=0.1)
    straight = fit(make_config("a", epochs=4, **kw), data=data, model_factory=tiny_factory)
    fit(make_config("b", epochs=2, **kw), data=data, model_factory=tiny_factory)
    resumed = fit(make_config("b", epochs=4, **kw), data=data, model_factory=tiny_factory,
                  resume=True)  # fmt: skip
    lrs = [h["lr"] for h in resumed.history]
    assert lrs[2:] == pytest.approx([h["lr"] for h in straight.history][2:], rel=1e-12)
    assert lrs[2:] == pytest.approx([0.05, 0.1 * (1 + np.cos(0.75 * np.pi)) / 2], rel=1e-12)


def test_empty_validation_split_is_refused_before_training(make_config, data, tmp_path):
    empty = data.val.subset(np.arange(0))
    splits = DatasetSplits(data.name, data.train, empty, data.test, data.classes)
    with pytest.raises(ValueError, match=r"the val split\(s\) of .* are empty"):
        fit(make_config(), data=splits, model_factory=tiny_factory)
    assert not (tmp_path / "run").exists()


def test_test_split_never_influences_training_or_selection(make_config, data):
    """Replacing the test split (signals and labels) changes nothing but the test metrics."""
    rng = np.random.default_rng(1)
    scrambled = ArraySplit(rng.standard_normal(data.test.x.shape).astype(np.float32),
                           rng.integers(0, 4, len(data.test)))  # fmt: skip
    other = DatasetSplits("synthetic", data.train, data.val, scrambled, data.classes)
    kw = dict(epochs=4, model="tiny-dropout")
    r1 = fit(make_config("x", **kw), data=data, model_factory=tiny_dropout_factory)
    r2 = fit(make_config("y", **kw), data=other, model_factory=tiny_dropout_factory)
    assert r1.history == [
        {**h, "seconds": g["seconds"]} for h, g in zip(r2.history, r1.history, strict=True)
    ]
    assert r1.best_epoch == r2.best_epoch and r1.val == r2.val
    assert r1.test != r2.test
    # The selected epoch is the one with the best validation accuracy (earliest on ties).
    accs = [h["val_accuracy"] for h in r1.history]
    assert r1.best_epoch == int(np.argmax(accs)) + 1


def test_epoch_batches():
    a = epoch_batches(10, 4, seed=0, epoch=0)
    assert [len(b) for b in a] == [4, 4, 2]
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert torch.equal(torch.cat(a), torch.cat(epoch_batches(10, 4, seed=0, epoch=0)))
    assert not torch.equal(torch.cat(a), torch.cat(epoch_batches(10, 4, seed=0, epoch=1)))
    # A last batch smaller than the number of processes is dropped.
    assert [len(b) for b in epoch_batches(9, 4, seed=0, epoch=0, world_size=2)] == [4, 4]


def test_multilabel_and_plateau(make_config):
    base = make_waveforms(n_train=48, n_val=24, n_test=24, length=96, seed=2)

    def tags(split):  # two tags: "periodic with a jump" (square/sawtooth) and "smooth" (sine)
        y = np.stack([np.isin(split.y, [1, 2]), split.y == 0], axis=1).astype(np.float32)
        return ArraySplit(split.x, y)

    data = DatasetSplits("tags", tags(base.train), tags(base.val), tags(base.test),
                         ["jump", "smooth"], task="multilabel")  # fmt: skip
    cfg = make_config(epochs=2, scheduler="plateau", plateau_patience=1)
    r = fit(cfg, data=data, model_factory=tiny_factory)
    assert set(r.test) == {"loss", "roc_auc", "average_precision", "item_roc_auc",
                           "item_average_precision"}  # fmt: skip
    assert 0.0 <= r.test["roc_auc"] <= 1.0


def test_wavelet_loss_pulls_kernels_towards_zero_mean(make_config):
    regularizers = pytest.importorskip("scatterwave.nn.regularizers")
    from scatterwave.nn.models import build

    data = make_waveforms(n_train=48, n_val=8, n_test=8, length=128, seed=0)
    finals = {}
    for weight in (0.0, 1.0):
        cfg = make_config(f"w{weight}", model="w-m3", width_multiplier=0.125, epochs=1,
                      wavelet_loss_weight=weight)  # fmt: skip
        r = fit(cfg, data=data)
        model = build("w-m3", 4, width_multiplier=0.125)
        model.load_state_dict(load_checkpoint(r.out_dir / "checkpoint.pt")["model"])
        finals[weight] = float(regularizers.wavelet_loss(model).detach())
        assert (r.history[0]["train_wavelet_loss"] > 0) == (weight > 0)
    # The penalty is reported separately and, when weighted in, ends lower than without it.
    assert finals[1.0] < finals[0.0]


def test_wavelet_loss_of_a_plain_model_is_zero_and_refused_in_training(make_config, data):
    """A model without B-spline layers has a zero wavelet loss: weighting it in would be an
    option accepted and ignored (its weights were bit-identical to an unweighted run)."""
    regularizers = pytest.importorskip("scatterwave.nn.regularizers")
    assert float(regularizers.wavelet_loss(tiny_factory(4, 1)).detach()) == 0.0
    assert regularizers.wavelet_layers(tiny_factory(4, 1)) == []
    cfg = make_config(epochs=1, wavelet_loss_weight=1.0)
    with pytest.raises(ValueError, match="model 'tiny' has none: the option would do nothing"):
        fit(cfg, data=data, model_factory=tiny_factory)
    assert not (Path(cfg.out_dir) / "checkpoint.pt").exists()  # a failed run leaves none


def test_fixed_length_model_is_built_for_the_data_length(make_config):
    from scatterwave.nn.models import build

    # 7000 samples: above the 1D-CNN's minimum (6622) but far from its default 64000
    data = make_waveforms(n_train=8, n_val=4, n_test=4, length=7000, seed=0)
    config = make_config(model="1dcnn", width_multiplier=0.1, epochs=1, batch_size=4)
    result = fit(config, data=data)
    assert result.best_epoch == 1 and np.isfinite(result.test["loss"])
    # the classifier's input size depends on input_length: the count identifies it
    sized = build("1dcnn", 4, width_multiplier=0.1, input_length=7000)
    default = build("1dcnn", 4, width_multiplier=0.1)
    assert result.n_parameters == sum(p.numel() for p in sized.parameters())
    assert result.n_parameters != sum(p.numel() for p in default.parameters())
