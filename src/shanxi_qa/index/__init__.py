"""The index: chunks, embeddings, BM25 and the manifest, built atomically and loaded for questions; retrieval over it."""
