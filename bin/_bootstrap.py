"""Make ``ansible_collections.mailops.mailconfig`` importable for the commands in bin/.

Works from an installed collection (the path already ends in
ansible_collections/mailops/mailconfig) and from a plain checkout, where the
package is registered under its collection name without importing Ansible.
"""

import os
import sys
import types

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bootstrap():
    parts = COLLECTION_ROOT.split(os.sep)
    if parts[-3:] == ["ansible_collections", "mailops", "mailconfig"]:
        base = os.sep.join(parts[:-3])
        if base not in sys.path:
            sys.path.insert(0, base)
        return
    for name, path in (("ansible_collections", None), ("ansible_collections.mailops", None),
                       ("ansible_collections.mailops.mailconfig", COLLECTION_ROOT)):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [path] if path else []
            sys.modules[name] = module
