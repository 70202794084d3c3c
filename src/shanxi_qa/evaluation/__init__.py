"""Evaluation: the gold set, SQuAD 2.0 articles and conversations, and their metrics."""
