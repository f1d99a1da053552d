"""The scoring model's hold-out split keeps the cohort's default share in both parts."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.cases.merchant_credit.training import holdout_split


@given(
    n=st.integers(20, 3000),
    rate=st.floats(0.01, 0.5),
    share=st.floats(0.1, 0.5),
    seed=st.integers(0, 2**31),
)
def test_split_is_a_stratified_partition(n, rate, share, seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < rate
    fit, held = holdout_split(labels, share, np.random.default_rng(seed + 1))
    assert np.array_equal(np.sort(np.concatenate([fit, held])), np.arange(n))
    for label in (False, True):
        count = int((labels == label).sum())
        assert abs(int((labels[held] == label).sum()) - count * share) <= 0.5 + 1e-9


def test_split_is_reproducible_and_seeded():
    labels = np.arange(500) % 17 == 0
    a = holdout_split(labels, 0.3, np.random.default_rng(1))
    b = holdout_split(labels, 0.3, np.random.default_rng(1))
    c = holdout_split(labels, 0.3, np.random.default_rng(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])
