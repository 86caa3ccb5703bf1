"""The HTTP edge: thin routes that validate input and call one use case."""
