"""The stages of the default pipeline, in the order they run."""
