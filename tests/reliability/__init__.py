"""Reliability tests: fuzzed input, killed writers, racing processes, hostile trees, write faults."""
