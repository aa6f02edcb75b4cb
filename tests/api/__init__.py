"""Tests of spectrum_rpc.api: the JSON-RPC protocol layer and the Spectrum methods."""
