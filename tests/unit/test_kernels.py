"""The compiled kernels: built wherever the install can, and equal to their numpy paths.

Each C kernel is optional so that an install with no C compiler still works; the code
then takes its numpy path. A kernel gives the same results as that path, so these tests
hold one to the other (the tree walker's are in ``test_rules.py``, beside its oracle).
"""

from __future__ import annotations

import shutil
import sysconfig

import numpy as np
import pytest

from cleaner.dedup import minhash
from cleaner.dedup.minhash import EMPTY, MinHasher
from cleaner.rules import model


def _compiler() -> bool:
    """Whether this Python's C compiler is on the PATH (the kernels are then built)."""
    cc = (sysconfig.get_config_var("CC") or "").split()
    return bool(cc) and shutil.which(cc[0]) is not None


@pytest.mark.parametrize("module", [model, minhash], ids=["trees", "minhash"])
def test_the_kernels_are_built_where_there_is_a_compiler(module: object) -> None:
    """So that the tests which need a kernel can skip only where none could be built."""
    assert module.native is not None or not _compiler()


needs_minhash = pytest.mark.skipif(
    minhash.native is None, reason="no C compiler at install (the test above says so)"
)


def _sets(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of documents as CSR, empty documents first, inside and last."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 400, size=40)
    sizes[[0, 7, 8, -1]] = 0
    sizes[3] = 1
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    values = rng.integers(0, 2**32, size=int(indptr[-1]), dtype=np.uint32)
    values[:5] = [0, 1, 2**32 - 1, 2**31, 12345]
    return values, indptr


@needs_minhash
@pytest.mark.parametrize("num_perm", [1, 7, 128, 256])
def test_c_signatures_are_numpys(num_perm: int) -> None:
    hasher = MinHasher(num_perm=num_perm, seed=num_perm)
    values, indptr = _sets(num_perm)
    ours = hasher.signatures_from_hashes(values, indptr)
    assert ours.dtype == np.uint32 and ours.shape == (len(indptr) - 1, num_perm)
    assert np.array_equal(ours, hasher.numpy_signatures(values, indptr))
    assert (ours[[0, 7, 8, -1]] == EMPTY).all()  # no shingle: the empty signature


@needs_minhash
def test_c_signatures_take_any_integer_arrays_as_numpy_does() -> None:
    hasher = MinHasher(num_perm=16)
    values, indptr = _sets(1)
    want = hasher.numpy_signatures(values, indptr)
    wide = values.astype(np.uint64)[::-1][::-1]  # another dtype, as a view
    assert np.array_equal(hasher.signatures_from_hashes(wide, indptr.astype(np.int32)), want)
    empty = hasher.signatures_from_hashes(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    assert empty.shape == (0, 16)


@needs_minhash
def test_the_c_signatures_refuse_what_does_not_fit() -> None:
    hasher = MinHasher(num_perm=4)
    values = np.arange(10, dtype=np.uint32)
    out = np.empty((2, 4), dtype=np.uint32)
    kernel = minhash.native
    assert kernel is not None
    with pytest.raises(ValueError, match="rise within values"):
        kernel.affine32(values, np.array([0, 6, 11], np.int64), hasher.a, hasher.b, out)
    with pytest.raises(ValueError, match="rise within values"):
        kernel.affine32(values, np.array([0, 6, 3], np.int64), hasher.a, hasher.b, out)
    with pytest.raises(ValueError, match="rows of len"):
        kernel.affine32(values, np.array([0, 6, 10], np.int64), hasher.a, hasher.b[:3], out)
    with pytest.raises(ValueError, match="rows of len"):
        kernel.affine32(values, np.array([0, 10], np.int64), hasher.a, hasher.b, out)
