"""Training batches, a pure function of (seed, step, rank)."""

import pytest
import torch

from distributed.train.train_data import VOCAB, SyntheticBatches, TextBatches


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
