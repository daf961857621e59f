"""Mixed-precision training (``TrainConfig.precision``): autocast, loss scaling, resumption."""

import pytest
import torch
from tiny_model import TinyNet, tiny_factory

from scatterwave.train import evaluate, fit, load_checkpoint


class _Recording(TinyNet):
    """TinyNet that records the dtype of its first convolution's output on every call."""

    def __init__(self, n_classes: int, in_channels: int) -> None:
        super().__init__(n_classes, in_channels)
        self.dtypes: list[torch.dtype] = []
        self[0].register_forward_hook(lambda m, i, o: self.dtypes.append(o.dtype))


@pytest.mark.parametrize(
    ("precision", "dtype"),
    [("float32", torch.float32), ("bfloat16", torch.bfloat16), ("float16", torch.float16)],
)
def test_forward_passes_run_in_the_chosen_precision(make_config, data, precision, dtype):
    models = []

    def factory(n_classes, in_channels):
        models.append(_Recording(n_classes, in_channels))
        return models[-1]

    result = fit(make_config(epochs=1, precision=precision), data=data,
                 model_factory=factory)  # fmt: skip
    # Training steps and the validation and test passes all ran under autocast (6 steps,
    # 1 validation and 1 test pass of 48 items in one batch each, at batch size 16: 3 + 3).
    assert models[0].dtypes and set(models[0].dtypes) == {dtype}
    assert len(models[0].dtypes) == 6 + 3 + 3
    # The parameters stay float32 whatever the arithmetic.
    state = load_checkpoint(result.out_dir / "checkpoint.pt")["model"]
    assert {v.dtype for v in state.values()} == {torch.float32}


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_training_learns(make_config, data, precision):
    torch.manual_seed(0)
    before = evaluate(tiny_factory(4, 1).eval(), data.train)["loss"]
    result = fit(make_config(epochs=15, lr=1e-2, precision=precision), data=data,
                 model_factory=tiny_factory)  # fmt: skip
    # As in float32 (test_train_loop): from ~log(4) = 1.39 to well below. Half-precision
    # round-off (bfloat16: 8 mantissa bits) is far smaller than a 15 % drop.
    assert result.history[-1]["train_loss"] < 0.85 * before
    assert all(torch.isfinite(torch.tensor(h["train_loss"])) for h in result.history)


def test_float16_scaler_state_is_checkpointed_and_resumed_bit_identically(make_config, data):
    kw = dict(epochs=3, lr=1e-2, precision="float16")
    straight = fit(make_config("a", **kw), data=data, model_factory=tiny_factory)
    a = load_checkpoint(straight.out_dir / "checkpoint.pt")
    # The scaler counts the steps since its scale last changed (it doubles the scale after
    # 2000 of them): 18 here, 10 for a resumption (after step 8) that restarted the scaler.
    assert a["scaler"]["_growth_tracker"] == 18
    cut = fit(make_config("b", max_steps=8, **kw), data=data, model_factory=tiny_factory)
    assert cut.stopped_early
    resumed = fit(make_config("b", **kw), data=data, model_factory=tiny_factory,
                  resume=True)  # fmt: skip
    b = load_checkpoint(resumed.out_dir / "checkpoint.pt")
    assert b["scaler"] == a["scaler"]
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert straight.test == resumed.test


def test_float32_and_bfloat16_checkpoints_hold_no_scaler(make_config, data):
    for precision in ("float32", "bfloat16"):
        result = fit(make_config(precision, epochs=1, precision=precision), data=data,
                     model_factory=tiny_factory)  # fmt: skip
        assert load_checkpoint(result.out_dir / "checkpoint.pt")["scaler"] is None


def test_precision_is_validated_and_fixed_for_a_run(make_config, data):
    with pytest.raises(ValueError, match=r"precision must be one of .*'bfloat16'.*got 'fp16'"):
        make_config(precision="fp16")
    fit(make_config(epochs=1), data=data, model_factory=tiny_factory)
    with pytest.raises(ValueError, match=r"differs in \{'precision': \('bfloat16', 'float32'\)\}"):
        fit(make_config(epochs=2, precision="bfloat16"), data=data,
            model_factory=tiny_factory, resume=True)  # fmt: skip


def test_a_checkpoint_without_the_field_resumes_in_float32(make_config, data):
    """Checkpoints written before the option existed have no ``precision`` and no scaler."""
    cut = fit(make_config(max_steps=2), data=data, model_factory=tiny_factory)
    path = cut.out_dir / "checkpoint.pt"
    ckpt = load_checkpoint(path)
    del ckpt["config"]["precision"], ckpt["scaler"]
    torch.save(ckpt, path)
    resumed = fit(make_config(), data=data, model_factory=tiny_factory, resume=True)
    assert resumed.steps == 18 and not resumed.stopped_early
