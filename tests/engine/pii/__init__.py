"""Tests of spectrum_rpc.engine.pii: the personal-data detectors, one module per data type,
and masking."""
