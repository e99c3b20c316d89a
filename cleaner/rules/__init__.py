"""Rule families of the boilerplate stage: phrases, metadata, context and the line model."""
