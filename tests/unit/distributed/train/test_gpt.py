"""The small GPT."""

import pytest
import torch

from distributed.train.gpt import GPT, loss_of
from distributed.train.train_data import VOCAB


def test_gpt_is_causal():
    torch.manual_seed(0)
    model = GPT(VOCAB, 8, 32, 2, 2)
    x = torch.randint(VOCAB, (1, 8))
    changed = x.clone()
    changed[0, -1] = (changed[0, -1] + 1) % VOCAB
    assert torch.allclose(model(x)[0, :-1], model(changed)[0, :-1])  # the future does not leak back
    assert loss_of(model(x), x).item() == pytest.approx(torch.log(torch.tensor(256.0)).item(), rel=0.2)
