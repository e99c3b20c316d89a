"""The stages: one class per module, each a named generator with no I/O."""
