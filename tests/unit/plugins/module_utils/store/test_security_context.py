"""A rewritten store file and its backup keep the SELinux context of the file they replace, as atomic_move does.

The label is the security.selinux extended attribute; root can set it on ext4 and tmpfs even
where SELinux is not enforcing, which is how this machine tests it.
"""

import os

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _security_context
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from tests.unit.plugins.module_utils.store.store_helpers import apply, plan, store

CONTEXT = b"system_u:object_r:practice_app_conf_t:s0\x00"
STORES = {"json": (JsonStore, '{\n  "theme": "dark"\n}\n'), "ini": (IniStore, "[general]\ntheme = dark\n")}


def labelled(path):
    try:
        os.setxattr(path, _security_context.ATTRIBUTE, CONTEXT)
    except OSError as exc:
        pytest.skip("this file system or user cannot set SELinux labels: %s" % exc)
    return path


@pytest.mark.parametrize("kind", sorted(STORES))
def test_a_rewritten_store_and_its_backup_keep_the_context(tmp_path, kind):
    module, content = STORES[kind]
    path = tmp_path / "app.conf"
    path.write_text(content)
    labelled(str(path))
    outcome = apply(module, plan(), store(kind, str(path)), backup=True)
    assert outcome.changed
    assert os.getxattr(str(path), _security_context.ATTRIBUTE) == CONTEXT
    assert os.getxattr(outcome.backup_file, _security_context.ATTRIBUTE) == CONTEXT


def test_a_missing_file_has_no_context_and_a_new_store_gets_its_directory_s_default(tmp_path):
    assert _security_context.of(str(tmp_path / "missing")) is None
    outcome = apply(JsonStore, plan(), store("json", str(tmp_path / "new.json"), create=True))
    assert outcome.changed  # written with whatever label the directory gives a new file (none without SELinux)
    assert _security_context.of(str(tmp_path / "new.json")) == _security_context.of(str(tmp_path))
