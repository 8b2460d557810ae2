"""OOM drills: a memory hog in a temporary memory cgroup, the kernel kills it caused, and the timeline."""
