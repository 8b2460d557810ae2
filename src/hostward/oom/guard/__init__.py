"""The early OOM guard: triggers, victim choice, memory cgroup helpers, kill hooks and the events file."""
