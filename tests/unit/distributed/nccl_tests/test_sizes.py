"""Byte sizes as nccl-tests spells them, and size sweeps."""

import pytest

from distributed.nccl_tests.sizes import parse_size, size_sweep


def test_sizes():
    assert [parse_size(s) for s in ("8", "1K", "4M", "16G", "2kb")] == [8, 1024, 4 << 20, 16 << 30, 2048]
    assert size_sweep(1024, 4 << 20, 2)[-1] == 4 << 20 and len(size_sweep(1024, 4 << 20, 2)) == 13
    assert size_sweep(8, 100, 4) == [8, 32]
    for bad in ("1.5M", "M", "-1"):
        with pytest.raises(ValueError):
            parse_size(bad)
    with pytest.raises(ValueError):
        size_sweep(8, 4, 2)
