"""Tests of spectrum_rpc.store: schema, group commit, repositories, durability."""
