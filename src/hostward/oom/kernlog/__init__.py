"""Kernel log sources, the OOM report parser (oomparse -> oomevent records), root-cause reports and the trend before a kill."""
