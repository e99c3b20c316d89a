"""The one thing pyproject.toml cannot yet say without an experimental table: the
compiled kernels. The line model's trees walked in C (``cleaner/rules/_trees.c``), a
line's counts for it read in C (``cleaner/rules/_lines.c``), a page's columns for it filled
in C (``cleaner/rules/_page.c``) and MinHash signatures and exact set intersections in C
(``cleaner/dedup/_minhash.c``). Each is optional: where no C compiler is found the install
still succeeds, and the code uses its Python and numpy paths, which give the same results
more slowly (``cleaner.rules.model.Trees``, ``cleaner.rules.features.line_row``,
``cleaner.rules.features.numpy_page_columns`` and ``numpy_smooth_columns``,
``cleaner.dedup.minhash.MinHasher``, ``cleaner.dedup.verify.exact_intersection``)."""

from setuptools import Extension, setup

KERNELS = {
    "cleaner.rules._trees": "cleaner/rules/_trees.c",
    "cleaner.rules._lines": "cleaner/rules/_lines.c",
    "cleaner.rules._page": "cleaner/rules/_page.c",
    "cleaner.dedup._minhash": "cleaner/dedup/_minhash.c",
}

setup(ext_modules=[Extension(name, [source], optional=True) for name, source in KERNELS.items()])
