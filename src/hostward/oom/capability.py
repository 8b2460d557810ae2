"""Whether this process holds CAP_SYS_RESOURCE: lowering a task's oom_score_adj below its oom_score_adj_min needs
it. Its own module so that ``oom explain`` asks without importing the protection policy (the configuration,
logging, the process-event connector)."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.procfs import ProcFS

CAP_SYS_RESOURCE = 24


def self_has_cap_sys_resource(procfs: ProcFS) -> bool:
    for line in procfs.read("self/status").splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1)
    return False
