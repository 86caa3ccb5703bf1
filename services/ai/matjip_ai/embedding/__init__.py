"""The sentence-embedding model behind the domain's Embedder protocol."""
