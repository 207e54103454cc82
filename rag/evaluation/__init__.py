"""Evaluation harness: the gold set through the real chain and two baselines, deterministic
metrics keyed on (document number, section path), reports and the CI gate (`rag eval`)."""
