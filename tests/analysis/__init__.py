"""Tests of spectrum_rpc.analysis: the one analysis every API calls (policy: thresholds and
decisions per project)."""
