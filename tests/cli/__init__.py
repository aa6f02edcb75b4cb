"""Tests of spectrum_rpc.cli: one module per command group."""
