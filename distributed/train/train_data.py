"""Training batches, a pure function of (seed, step, rank): a resumed run sees exactly the batches an
uninterrupted one would. Tokens are bytes (vocabulary 256) for both sources.
"""

from pathlib import Path

import torch

VOCAB = 256


def _generator(seed: int, step: int, rank: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step * 7919 + rank)


class SyntheticBatches:
    """Sequences that follow a fixed random successor table 90 % of the time: learnable, loss drops fast."""

    def __init__(self, seed: int, batch: int, seq_len: int):
        self.seed, self.batch, self.seq_len = seed, batch, seq_len
        self.successor = torch.randperm(VOCAB, generator=torch.Generator().manual_seed(seed))

    def batch_at(self, step: int, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed, step, rank)
        tokens = torch.empty(self.batch, self.seq_len + 1, dtype=torch.long)
        tokens[:, 0] = torch.randint(VOCAB, (self.batch,), generator=g)
        noise = torch.rand(self.batch, self.seq_len, generator=g) < 0.1
        random = torch.randint(VOCAB, (self.batch, self.seq_len), generator=g)
        for i in range(self.seq_len):
            tokens[:, i + 1] = torch.where(noise[:, i], random[:, i], self.successor[tokens[:, i]])
        return tokens[:, :-1], tokens[:, 1:]


class TextBatches:
    """Random windows of a text file's bytes."""

    def __init__(self, path: str, seed: int, batch: int, seq_len: int):
        data = Path(path).read_bytes()
        if len(data) <= seq_len + 1:
            raise ValueError(f"{path} has {len(data)} bytes; --seq-len {seq_len} needs more than "
                             f"{seq_len + 1}")
        self.data = torch.tensor(list(data), dtype=torch.long)
        self.seed, self.batch, self.seq_len = seed, batch, seq_len

    def batch_at(self, step: int, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(len(self.data) - self.seq_len - 1, (self.batch,),
                               generator=_generator(self.seed, step, rank))
        windows = torch.stack([self.data[s : s + self.seq_len + 1] for s in starts.tolist()])
        return windows[:, :-1], windows[:, 1:]
