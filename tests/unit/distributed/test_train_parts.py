"""Training pieces without processes: batches as a pure function of (seed, step, rank), the loss trend, the model."""

import pytest
import torch

from distributed.gpt import GPT, loss_of
from distributed.train import loss_trend, use_bf16
from distributed.train_data import VOCAB, SyntheticBatches, TextBatches


def test_synthetic_batches_depend_only_on_seed_step_rank():
    a, b = SyntheticBatches(0, 4, 16), SyntheticBatches(0, 4, 16)
    x, y = a.batch_at(7, 1)
    assert x.shape == y.shape == (4, 16) and int(x.max()) < VOCAB
    assert torch.equal(x, b.batch_at(7, 1)[0]) and torch.equal(x[:, 1:], y[:, :-1])
    assert not torch.equal(x, a.batch_at(7, 0)[0]) and not torch.equal(x, a.batch_at(8, 1)[0])
    big = SyntheticBatches(0, 64, 64)
    x = big.batch_at(1, 0)[0]
    follows = (big.successor[x[:, :-1]] == x[:, 1:]).float().mean()
    assert 0.85 < follows < 0.95  # 90 % successor, 10 % noise: learnable


def test_text_batches(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(bytes(range(256)) * 4)
    x, y = TextBatches(str(corpus), 1, 2, 8).batch_at(3, 0)
    assert torch.equal(y, (x + 1) % 256)  # consecutive bytes
    corpus.write_text("short")
    with pytest.raises(ValueError, match="needs more than"):
        TextBatches(str(corpus), 1, 2, 8)


def test_loss_trend():
    assert loss_trend([5, 4, 3]) == {"first5_mean": None, "last5_mean": None, "loss_decreased": None}
    assert loss_trend(list(range(10, 0, -1)))["loss_decreased"] is True
    assert loss_trend([1.0] * 10)["loss_decreased"] is False


def test_precision_follows_the_device():
    assert use_bf16("auto", torch.device("cpu")) is False
    assert use_bf16("bf16", torch.device("cpu")) is True and use_bf16("fp32", torch.device("cpu")) is False


def test_gpt_is_causal():
    torch.manual_seed(0)
    model = GPT(VOCAB, 8, 32, 2, 2)
    x = torch.randint(VOCAB, (1, 8))
    changed = x.clone()
    changed[0, -1] = (changed[0, -1] + 1) % VOCAB
    assert torch.allclose(model(x)[0, :-1], model(changed)[0, :-1])  # the future does not leak back
    assert loss_of(model(x), x).item() == pytest.approx(torch.log(torch.tensor(256.0)).item(), rel=0.2)
