"""The packaging tests: the sdist and wheel built from the tracked files, installed and type-checked."""
