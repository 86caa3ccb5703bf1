"""Text models behind the domain's protocols: Korean morphology (MeCab-ko) and sentence embeddings (e5)."""
