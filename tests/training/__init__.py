"""Tests of spectrum_rpc.training: data rules, guards, fitting, the promotion gate,
retraining end to end, and the shipped models' quality."""
