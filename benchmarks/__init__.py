"""Benchmarks: rangectl measured against a raw-Docker baseline in the same run."""
