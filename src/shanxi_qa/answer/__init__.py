"""Answering: rank the sentences, read spans with the trained reader, check them, decide, quote."""
