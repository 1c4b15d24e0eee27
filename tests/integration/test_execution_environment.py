"""The execution environment definition gives ansible-builder a complete build context (no image is built here)."""

import os
import re
import shutil
import subprocess
import tarfile

from tests.conftest import ROOT, VENV_BIN

EE = os.path.join("meta", "execution-environment.yml")


def test_build_context_has_the_collection_and_its_dependencies(tmp_path):
    """The README's two commands, from a copy of the collection's root."""
    tree = tmp_path / "mailconfig"
    shutil.copytree(ROOT, str(tree), ignore=shutil.ignore_patterns(".venv", "build", ".git", ".pytest_cache", ".hypothesis"))
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
    for command in (["ansible-galaxy", "collection", "build", "--force", "--output-path", "build/ee", "."],
                    ["ansible-builder", "create", "-f", EE, "--output-filename", "Containerfile"]):
        done = subprocess.run(command, cwd=str(tree), env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, (command, done.stdout + done.stderr)
        assert "No matches" not in done.stdout + done.stderr and "does not exist" not in done.stdout + done.stderr
    context = tree / "context"
    build = context / "_build"
    [tarball] = list((build / "collection").glob("mailops-mailconfig-*.tar.gz"))
    with tarfile.open(str(tarball)) as archive:
        assert "playbooks/verify.yml" in archive.getnames() and "plugins/action/mail_verify_batch.py" in archive.getnames()
    assert "dnspython" in (build / "requirements.txt").read_text() and "jsonschema" in (build / "requirements.txt").read_text()
    assert "ca-certificates" in (build / "bindep.txt").read_text()
    containerfile = (context / "Containerfile").read_text()
    assert re.search(r"ansible-galaxy collection install .*mailconfig-collection/\*\.tar\.gz", containerfile)
    assert "COPY _build/collection/ /tmp/mailconfig-collection/" in containerfile
