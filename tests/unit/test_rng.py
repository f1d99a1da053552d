"""The seed tree: named, stable, independent streams."""

import numpy as np
import pytest

from sim.kernel.rng import SeedTree


def test_same_names_give_same_numbers():
    a = SeedTree(7).child("merchant_credit").generator("sales").random(5)
    b = SeedTree(7).child("merchant_credit").generator("sales").random(5)
    np.testing.assert_array_equal(a, b)


def test_child_path_equals_flat_names():
    a = SeedTree(7).child("case", "population").generator("sales").random(3)
    b = SeedTree(7).generator("case", "population", "sales").random(3)
    np.testing.assert_array_equal(a, b)


def test_different_names_and_masters_differ():
    tree = SeedTree(7)
    assert not np.array_equal(tree.generator("a").random(4), tree.generator("b").random(4))
    assert not np.array_equal(SeedTree(8).generator("a").random(4), tree.generator("a").random(4))


def test_adding_a_stream_does_not_shift_another():
    first = SeedTree(3).generator("z").random(3)
    tree = SeedTree(3)
    tree.generator("new-stream").random(100)
    np.testing.assert_array_equal(tree.generator("z").random(3), first)


def test_int_seed_is_stable_and_31_bit():
    seed = SeedTree(11).int_seed("model")
    assert seed == SeedTree(11).int_seed("model")
    assert 0 <= seed < 2**31
    assert seed != SeedTree(11).int_seed("other")


def test_negative_master_rejected():
    with pytest.raises(ValueError, match="seed: -1 must be >= 0"):
        SeedTree(-1)
