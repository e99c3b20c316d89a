"""The one thing pyproject.toml cannot yet say without an experimental table: the
line model's trees walked in C (``cleaner/rules/_trees.c``). The extension is optional:
where no C compiler is found the install still succeeds, and the model scores with its
numpy scorer, the same scores more slowly (``cleaner.rules.model.Trees``)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("cleaner.rules._trees", ["cleaner/rules/_trees.c"], optional=True)])
