"""The kernel's OOM badness (score), its term-by-term explanation (explain) and the ranking ``oom top`` shows."""
