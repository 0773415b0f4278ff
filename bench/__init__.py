"""Benchmarks: relevance and speed (not part of the installed package or the test suite)."""
