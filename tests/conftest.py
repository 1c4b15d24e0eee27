"""Shared test plumbing: the collection on sys.path and a real ansible-playbook runner."""

import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["tests.servers.fixtures"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)  # .venv, or .venv-oldest for the oldest ansible-core (make test)
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "mailops", "mailconfig")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


# CI must be reproducible: property tests there draw the same examples every run.
# Locally they explore anew each time (and remember failures in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def ansible_env(tmp_path, **extra):
    """Environment for ansible-playbook: our collection, no user config, a private temp dir."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CONFIG": os.path.join(str(tmp_path), "no-ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(str(tmp_path), "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": os.path.join(str(tmp_path), "ansible-remote-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        # The lockout guard's memory of rejected secrets: one per test, never the user's own.
        "MAILCONFIG_STATE_DIR": os.path.join(str(tmp_path), "mailconfig-state"),
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


class PlaybookRunner:
    """Runs real ansible-playbook against a local inventory written into tmp_path."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path

    def write(self, name, text):
        path = os.path.join(str(self.tmp_path), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))
        return path

    def run(self, playbook, *args, inventory=None, env=None, check=False, diff=False, verbosity=0, timeout=600):
        """Run ``playbook`` (a path, or YAML text written to a file) and return the CompletedProcess.

        stdout and stderr are merged into ``.stdout`` so secret-scanning tests see everything.
        """
        if "\n" in playbook:
            playbook = self.write("playbook.yml", playbook)
        if inventory is None:
            inventory = self.write("inventory.ini", "localhost ansible_connection=local\n")
        command = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory, playbook]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command.extend(args)
        return subprocess.run(command, env=ansible_env(self.tmp_path, **(env or {})), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory):
    """The collection built and installed with ansible-galaxy into a folder of its own, as a new user gets it: no
    ANSIBLE_* settings inherited (make exports ANSIBLE_COLLECTIONS_PATH, where galaxy would find the repository's own
    link already installed and install nothing)."""
    folder = tmp_path_factory.mktemp("installed")
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("ANSIBLE_"))
    env.update(PATH=VENV_BIN + os.pathsep + os.environ["PATH"], HOME=str(folder))
    built = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(folder), ROOT],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [tarball] = [name for name in os.listdir(str(folder)) if name.endswith(".tar.gz")]
    collections = folder / "collections"
    done = subprocess.run(
        [
            os.path.join(VENV_BIN, "ansible-galaxy"),
            "collection",
            "install",
            "-p",
            str(collections),
            str(folder / tarball),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert os.path.isfile(
        str(collections / "ansible_collections" / "mailops" / "mailconfig" / "playbooks" / "verify.yml")
    ), done.stdout
    return collections


@pytest.fixture
def playbook(tmp_path):
    """A PlaybookRunner bound to this test's temp dir."""
    return PlaybookRunner(tmp_path)


def pytest_terminal_summary(terminalreporter):
    """A line per provider catalogue entry older than 12 months (``make facts-age``): visible, never a failure."""
    from tests.facts_age import report  # pylint: disable=import-outside-toplevel
    lines = report()
    if not lines[0].startswith("no provider entry"):
        terminalreporter.write_line("provider facts: " + "; ".join(lines))
