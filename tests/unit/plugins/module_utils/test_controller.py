"""Is the run that started the module still alive: the controller process, checked where its PID means that process."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils import _controller
from tests.paths import REPO_ROOT

_CHILD = """
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
from ansible_collections.mailops.mailconfig.plugins.module_utils import _controller
print(json.dumps(_controller.still_alive(json.loads(sys.argv[2]))()))
"""


def test_a_live_controller_is_alive_and_a_dead_one_is_not():
    controller = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    alive = _controller.still_alive(_controller.identity(controller.pid))
    assert alive()
    controller.kill()
    controller.wait()
    assert not alive()


def test_a_controller_of_another_pid_namespace_is_judged_by_the_module_s_parent():
    """Same boot id, other PIDs (the controller in a container, or the module in one): the PID names another process."""
    elsewhere = dict(_controller.identity(os.getpid()), pid_namespace="pid:[1]", pid=2 ** 22 + 1)
    assert _controller.still_alive(elsewhere)()  # our parent (pytest's shell) is still there


def test_a_module_in_a_container_on_the_controller_s_machine_writes_on():
    """The real thing: the module in a new PID namespace (as in a container on the same host) with the controller alive."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux unshare is not installed")
    namespace = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
    if subprocess.run(namespace + ["true"], capture_output=True, check=False).returncode:
        pytest.skip("this kernel does not let us make a PID namespace")
    paths = [REPO_ROOT] + [path for path in sys.path if path]
    child = subprocess.run(namespace + [sys.executable, "-c", _CHILD, json.dumps(paths), json.dumps(_controller.identity(os.getpid()))],
                           capture_output=True, text=True, timeout=60, check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    assert json.loads(child.stdout) is True
