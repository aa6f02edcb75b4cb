"""Tests of spectrum_rpc.versions: model versions on disk and in the store, and the router
that picks a project's model (hot swap, rollback)."""
