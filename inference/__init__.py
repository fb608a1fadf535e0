"""The local model and nothing else: GGUF inspection, engine, events. No Qt, no browser."""
