"""The documentation site: strict build, reference coverage, search in a real browser."""
