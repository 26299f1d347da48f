"""Benchmarks (`make bench`): each module prints its figures, a ratio against a baseline
measured in the same run, and the command that reproduces it."""
