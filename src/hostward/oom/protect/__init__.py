"""Protection from the OOM killer: the [[oom.protect]] oom_score_adj policy and process-start notifications."""
