"""Tests of spectrum_rpc.engine, serving only: normalisation, lexicon, scoring, the stack,
the micro-batcher and the engine processes."""
