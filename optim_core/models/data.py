"""Small data sets for training, generated from a seed with NumPy's Generator (``np.random.default_rng(seed)``).

Each generator draws in a fixed, documented order, so a seed names one data set forever; the goldens in tests/data
hold checksums of what these functions return, and would fail loudly if a draw changed.

- ``regression``: the notes' shape. ``X = randn(n, features)``, a true weight vector ``w = randn(features)`` and
  bias ``b = randn()``, then ``y = X @ w + b + noise * randn(n)``.
- ``moons``, ``circles``, ``spiral``, ``xor``, ``gaussians``: 2-D points with labels 0 and 1 (the first half of
  the points is class 0, the rest class 1, except ``xor``), plus ``noise * randn(n, 2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spec import Hyperparameter
from .options import option

N_RANGE = (4, 2000)  # samples in a data set
FEATURES_RANGE = (1, 32)  # input features of a data set (the classification sets are 2-D)
NOISE_RANGE = (0.0, 2.0)  # standard deviation of the noise added to the targets or the points
SEED_RANGE = (0, 2**32 - 1)


def _n(default: int) -> Hyperparameter:
    return option("n", "int", default, *N_RANGE, en="Number of samples.", zh="样本数量。")


def _noise(default: float) -> Hyperparameter:
    return option("noise", "float", default, *NOISE_RANGE, slider=(0.0, 1.0),
              en="Standard deviation of the Gaussian noise.", zh="高斯噪声的标准差。")


_SEED = option("seed", "int", 0, *SEED_RANGE, en="Seed of the data's random generator.", zh="生成数据的随机种子。")


@dataclass(frozen=True)
class DatasetSpec:
    """A data set generator and the options it takes (validated against their ranges before it runs)."""

    name: str
    task: str  # "regression" | "classification"
    options: tuple[Hyperparameter, ...]
    make: Callable[..., tuple[np.ndarray, np.ndarray]]
    help_en: str
    help_zh: str

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


def regression(n: int = 32, features: int = 10, noise: float = 0.1, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    w = rng.standard_normal(features)
    b = rng.standard_normal()
    y = X @ w + b + noise * rng.standard_normal(n)
    return X, y


def _halves(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def _labels(n0: int, n1: int) -> np.ndarray:
    return np.concatenate([np.zeros(n0), np.ones(n1)])


def moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles: the upper one (class 0) and the lower one shifted right (class 1)."""
    rng = np.random.default_rng(seed)
    n0, n1 = _halves(n)
    t0, t1 = np.linspace(0.0, math.pi, n0), np.linspace(0.0, math.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    return X + noise * rng.standard_normal((n, 2)), _labels(n0, n1)


def circles(n: int = 200, noise: float = 0.1, seed: int = 0):
    """A circle of radius 1 (class 0) around one of radius 0.5 (class 1)."""
    rng = np.random.default_rng(seed)
    n0, n1 = _halves(n)
    t0 = np.linspace(0.0, 2 * math.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * math.pi, n1, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), 0.5 * np.stack([np.cos(t1), np.sin(t1)], 1)])
    return X + noise * rng.standard_normal((n, 2)), _labels(n0, n1)


def spiral(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two spirals of 1.75 turns out to radius 1, the second one the first turned by half a turn."""
    rng = np.random.default_rng(seed)
    arms = []
    for k, m in enumerate(_halves(n)):
        r = (np.arange(m) + 0.5) / m
        theta = 1.75 * 2 * math.pi * r + k * math.pi
        arms.append(np.stack([r * np.sin(theta), r * np.cos(theta)], 1))
    return np.concatenate(arms) + noise * rng.standard_normal((n, 2)), _labels(*_halves(n))


def xor(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Points uniform in [-1, 1]²; class 1 where the two coordinates' signs differ (labelled before the noise)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.float64)
    return X + noise * rng.standard_normal((n, 2)), y


def gaussians(n: int = 200, noise: float = 0.5, seed: int = 0):
    """Two Gaussian blobs of standard deviation ``noise``, around (-1, -1) (class 0) and (1, 1) (class 1)."""
    rng = np.random.default_rng(seed)
    n0, n1 = _halves(n)
    centres = np.concatenate([np.full((n0, 2), -1.0), np.full((n1, 2), 1.0)])
    return centres + noise * rng.standard_normal((n, 2)), _labels(n0, n1)


DATASETS: dict[str, DatasetSpec] = {
    "regression": DatasetSpec(
        "regression", "regression",
        (_n(32), option("features", "int", 10, *FEATURES_RANGE, en="Input features.", zh="输入特征数。"), _noise(0.1),
         _SEED),
        regression,
        "The notes' data: randn(n, features) inputs and a linear target with noise.",
        "笔记中的数据：randn(n, features) 输入，加噪声的线性目标。"),
    "moons": DatasetSpec("moons", "classification", (_n(200), _noise(0.1), _SEED), moons,
                         "Two interleaving half moons.", "两个交错的半月形。"),
    "circles": DatasetSpec("circles", "classification", (_n(200), _noise(0.1), _SEED), circles,
                           "A small circle inside a large one.", "大圆里套着一个小圆。"),
    "spiral": DatasetSpec("spiral", "classification", (_n(200), _noise(0.1), _SEED), spiral,
                          "Two interleaved spirals.", "两条交织的螺旋线。"),
    "xor": DatasetSpec("xor", "classification", (_n(200), _noise(0.1), _SEED), xor,
                       "Four quadrants: the label is the XOR of the coordinates' signs.",
                       "四个象限：标签是两个坐标符号的异或。"),
    "gaussians": DatasetSpec("gaussians", "classification", (_n(200), _noise(0.5), _SEED), gaussians,
                             "Two Gaussian blobs; the noise is their spread.", "两个高斯团；噪声就是它们的分散程度。"),
}
