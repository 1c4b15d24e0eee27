"""bin/mailconfig-ee gives ansible-builder a complete build context outside the collection (no image is built here).

From an installed collection (no galaxy.yml there) see test_installed_collection.py.
"""

import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest

from tests.conftest import ROOT, VENV_BIN

ENV = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"])


def files_under(folder):
    """Every file below ``folder``, relative to it."""
    return {os.path.relpath(os.path.join(top, name), folder) for top, _dirs, names in os.walk(folder) for name in names}


def mailconfig_ee(collection, folder):
    return subprocess.run([sys.executable, os.path.join(collection, "bin", "mailconfig-ee"), str(folder)], env=ENV,
                          capture_output=True, text=True, timeout=300, check=False)


def builder_create(folder):
    """``ansible-builder create`` in the folder mailconfig-ee wrote; returns its build context."""
    done = subprocess.run(["ansible-builder", "create", "--output-filename", "Containerfile"], cwd=str(folder), env=ENV,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No matches" not in done.stdout + done.stderr and "does not exist" not in done.stdout + done.stderr
    return folder / "context"


def assert_context_installs_the_collection(context):
    """The context holds exactly one collection tarball, complete and without the test suites, and installs it."""
    build = context / "_build"
    [tarball] = list((build / "collection").glob("mailops-mailconfig-*.tar.gz"))
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
    assert (
        "playbooks/verify.yml" in names
        and "plugins/action/mail_verify_batch.py" in names
        and "bin/mailconfig-ee" in names
    )
    assert not [
        name for name in names if name.startswith(("tests/unit", "tests/integration", "tests/servers", "benchmarks"))
    ]
    assert (
        "dnspython" in (build / "requirements.txt").read_text()
        and "jsonschema" in (build / "requirements.txt").read_text()
    )
    assert "ca-certificates" in (build / "bindep.txt").read_text()
    containerfile = (context / "Containerfile").read_text()
    assert "COPY _build/collection/ /tmp/mailconfig-collection/" in containerfile
    assert re.search(r"ansible-galaxy collection install .*mailconfig-collection/\*\.tar\.gz", containerfile)
    return tarball


@pytest.fixture(name="checkout")
def checkout_fixture(tmp_path):
    """A copy of the repository's tree, as a clone has it."""
    tree = tmp_path / "mailconfig"
    shutil.copytree(
        ROOT,
        str(tree),
        ignore=shutil.ignore_patterns(
            ".venv*", "build", ".git", ".pytest_cache", ".hypothesis", "__pycache__", "context"
        ),
    )
    return tree


def test_from_a_clone_the_context_is_complete_and_outside_the_tree(checkout, tmp_path):
    before = files_under(str(checkout))
    done = mailconfig_ee(str(checkout), tmp_path / "ee")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ansible-builder build -t mailconfig-ee:latest" in done.stdout
    assert_context_installs_the_collection(builder_create(tmp_path / "ee"))
    assert files_under(str(checkout)) == before  # nothing built or written into the collection
    again = mailconfig_ee(str(checkout), tmp_path / "ee")  # a second run replaces the folder it wrote, old context too
    assert again.returncode == 0, again.stdout + again.stderr
    assert not (tmp_path / "ee" / "context").exists() and len(list((tmp_path / "ee").glob("*.tar.gz"))) == 1


def test_a_folder_inside_the_collection_or_not_its_own_is_refused(checkout, tmp_path):
    before = files_under(str(checkout))
    inside = mailconfig_ee(str(checkout), checkout / "ee")
    assert inside.returncode == 2 and "inside the collection" in inside.stderr, inside.stderr
    assert files_under(str(checkout)) == before
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    foreign = mailconfig_ee(str(checkout), tmp_path / "mine")
    assert foreign.returncode == 2 and "not written by mailconfig-ee" in foreign.stderr, foreign.stderr
    assert files_under(str(tmp_path / "mine")) == {"notes.txt"}


def test_a_collection_that_cannot_be_built_fails_loudly(checkout, tmp_path):
    (checkout / "galaxy.yml").write_text("namespace: mailops\nname: mailconfig\n")  # no version: galaxy refuses it
    done = mailconfig_ee(str(checkout), tmp_path / "ee")
    assert done.returncode == 2 and "ansible-galaxy collection build failed" in done.stderr, done.stdout + done.stderr
    assert not (tmp_path / "ee").exists() and not list(tmp_path.glob(".mailconfig-ee-*"))
