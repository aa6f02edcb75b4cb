"""The test suite: one folder per package of spectrum_rpc, shared fixtures in conftest.py."""
