"""The labelled evaluation set (services/ai/eval/) and the figures computed on it.

Used by the benchmark (bench/ai_quality.py) and by the quality tests; nothing here runs in the service."""
