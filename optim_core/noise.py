"""Reproducible Gaussian gradient noise, addressed by (seed, row, counter) rather than drawn from a stream.

A counter-based generator (SplitMix64 finalizer + Box-Muller) gives row i the same noise whether it runs alone
or inside a batch of any size, with no Python loop over rows: batch row i with ``seed`` equals a single run with
``seed`` and ``row=i``, and rows are independent of one another.
"""

from __future__ import annotations

import numpy as np

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TWO_POW_M53 = 2.0**-53


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _C1
    z = (z ^ (z >> np.uint64(27))) * _C2
    return z ^ (z >> np.uint64(31))


def gaussian(seed: int, rows, counters) -> np.ndarray:
    """Standard normal pairs for broadcastable integer arrays ``rows`` and ``counters``; shape (..., 2)."""
    rows = np.asarray(rows, dtype=np.uint64)
    counters = np.asarray(counters, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(np.asarray([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + _GOLDEN)
        base = _mix(key ^ _mix(rows * _GOLDEN + np.uint64(1)) ^ _mix(counters * _C2 + np.uint64(2)))
        z1 = _mix(base ^ np.uint64(0x5555555555555555))
        z2 = _mix(base ^ np.uint64(0x3333333333333333))
    u1 = ((z1 >> np.uint64(11)).astype(np.float64) + 1.0) * _TWO_POW_M53  # (0, 1]
    u2 = (z2 >> np.uint64(11)).astype(np.float64) * _TWO_POW_M53  # [0, 1)
    r = np.sqrt(-2.0 * np.log(u1))
    angle = 2.0 * np.pi * u2
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=-1)
