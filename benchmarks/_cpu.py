"""Where a playbook run's CPU goes: the module processes, the rest of Ansible, the database servers.

A wall-clock ratio says that a store is slower, not why. On this machine the rollout is
CPU-bound, so each task's CPU is split three ways: the module processes (an interpreter
wrapper runs the real Python as its child and logs that child's CPU), the rest of the
ansible-playbook process tree (controller, workers, the wrapper's own start), and the
database servers (their process trees, read from /proc before and after).
"""

import os
import stat

WRAPPER = """#!{python} -S
import os, resource, sys
child = os.fork()
if child == 0:
    os.execv({python!r}, [{python!r}] + sys.argv[1:])
_pid, status, usage = os.wait4(child, 0)
own = resource.getrusage(resource.RUSAGE_SELF)
with open(os.environ.get("MAILCONFIG_BENCH_CPU_LOG", os.devnull), "a") as log:
    log.write("%f %f\\n" % (usage.ru_utime + usage.ru_stime, own.ru_utime + own.ru_stime))
if os.WIFSIGNALED(status):
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""
TICKS = os.sysconf("SC_CLK_TCK")


def interpreter_wrapper(folder, python):
    """Write the wrapper for ``python`` into ``folder``; its path, for ansible_python_interpreter."""
    path = os.path.join(folder, "python-cpu-wrapper")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(WRAPPER.format(python=python))
    os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return path


def tree_seconds(root):
    """CPU seconds of process ``root`` and its descendants: the live ones', and those their parents reaped."""
    parents, seconds = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        parents[int(name)] = int(fields[1])
        seconds[int(name)] = sum(int(value) for value in fields[11:15]) / TICKS  # utime stime cutime cstime
    members, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in members:
                members.add(pid)
                todo.append(pid)
    return sum(seconds.get(pid, 0.0) for pid in members)


class Meter:
    """CPU of one playbook run: ``start()`` before it, ``stop(its process tree's CPU seconds)`` after; then
    ``split(practices)`` in ms each."""

    def __init__(self, log, server_pids):
        self.log, self.server_pids = log, tuple(server_pids)
        self.servers_before = self.playbook_seconds = self.server_seconds = 0.0

    def start(self):
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.servers_before = sum(tree_seconds(pid) for pid in self.server_pids)

    def stop(self, playbook_seconds):
        self.playbook_seconds = playbook_seconds
        self.server_seconds = sum(tree_seconds(pid) for pid in self.server_pids) - self.servers_before

    def split(self, practices):
        """``{modules, ansible, server}``: milliseconds of CPU per practice (the wrappers' own start left out)."""
        modules = wrappers = 0.0
        if os.path.exists(self.log):
            with open(self.log, encoding="ascii") as handle:
                for line in handle:
                    module, wrapper = (float(value) for value in line.split())
                    modules, wrappers = modules + module, wrappers + wrapper
        per = 1000.0 / practices
        return {"modules": modules * per, "ansible": (self.playbook_seconds - modules - wrappers) * per,
                "server": self.server_seconds * per}
