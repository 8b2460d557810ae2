"""OOM toolkit, one room per concern.

- ``score``: the kernel's badness formula, ``oom explain`` and ``oom top``.
- ``kernlog``: kernel log sources, the OOM report parser, root-cause reports and the memory trend before a kill.
- ``protect``: the declarative oom_score_adj policy and process-start notifications.
- ``guard``: the early OOM guard (triggers, victim choice, memory cgroups, hooks, events).
- ``drill``: safe OOM drills in a temporary memory cgroup.
- ``doctor``: checks that the OOM toolkit can work on this host.
"""
