"""Time a command: wall clock and CPU (user+sys of the command and its children)."""

import resource
import subprocess
import time


def timed(command, **kwargs):
    """Run ``command``; return (wall_s, cpu_s, CompletedProcess)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def best_of(repeats, command, **kwargs):
    """The fastest of ``repeats`` runs by wall time (the least disturbed by other load)."""
    runs = [timed(command, **kwargs) for _repeat in range(repeats)]
    return min(runs, key=lambda run: run[0])
