# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read one host's variable from ``hostvars``, turning a value Ansible cannot resolve into a finding.

Checking a whole inventory in one task must not stop at the first host whose
declaration names an undefined variable (a missing vault entry, a typo): that host
gets finding MC007 with the file, line, field and variable, and the others are checked.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

import jinja2
import jinja2.meta
from ansible.errors import AnsibleError, AnsibleUndefinedVariable
from ansible.utils.unsafe_proxy import AnsibleUnsafe

from ansible_collections.mailops.mailconfig.plugins.module_utils._leaves import leaves
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import Origin, origin_of
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding, safe_path
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._schema import secret_paths

CODE = "MC007"
_UNDEFINED_HINT = "Define %s for this host (a missing vault entry or a typo?) and give the vault password (--ask-vault-pass or --vault-password-file)."
_UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")
_MISSING_ATTRIBUTE = re.compile(r"has no attribute '([^'\s]{1,64})'")


def host_value(hostvars: Any, host: str, variable: str, values: Any = None) -> Tuple[Optional[object], List[Finding]]:
    """``(value, [])``, ``(None, [])`` when the host lacks ``variable``, or ``(None, [finding])``.

    ``values`` is ``hostvars[host]`` when the caller already has it: each lookup of
    ``hostvars[host]`` gathers all of that host's variables again.
    """
    values = hostvars[host] if values is None else values
    if variable not in values:
        return None, []
    try:
        value = values[variable]
    except AnsibleError as exc:
        return None, [_finding(exc, _raw(hostvars, host, variable), variable)]
    if Origin is None:  # ansible-core < 2.19 leaves an unresolvable template in place as text instead of raising
        left = [
            (path, text)
            for path, text in leaves(value)
            if isinstance(text, str) and "{{" in text and not isinstance(text, AnsibleUnsafe)
        ]
        if left:
            return None, [
                _left_over(path, text, values, _raw(hostvars, host, variable), variable) for path, text in left
            ]
    return value, []


def _left_over(path, template, values, raw, variable):
    """The finding for a template ansible-core could not resolve (before 2.19)."""
    try:
        names = sorted(jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template)))
    except jinja2.TemplateError:
        names = []
    undefined = [name for name in names if name not in values]
    node = raw
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else node[int(part)] if isinstance(node, list) else None
    where = origin_of(node) or origin_of(template)
    path = safe_path(path)
    field = "%s.%s" % (variable, path)
    if undefined:
        message = "the variable '%s' is undefined, so %s cannot be resolved" % (undefined[0], field)
        hint = _UNDEFINED_HINT % undefined[0]
    else:
        message = "%s cannot be resolved (%s)" % (field, _expression(None if path in secret_paths() else template))
        hint = "Run ansible-inventory --host HOST --vars to see the error, and fix the template."
    return Finding(CODE, "error", message, hint, path=path, file=where[0] if where else "",
                   line=where[1] if where else 0, column=where[2] if where else 0)


def _raw(hostvars, host, variable):
    try:
        return hostvars.raw_get(host).get(variable)
    except (AttributeError, AnsibleError):  # pragma: no cover - older ansible-core without raw_get
        return None


def _path_of(node, template, prefix=""):
    """The dotted path of the leaf of ``node`` that is ``template``, or ''."""
    if isinstance(node, dict):
        items = ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return prefix if template is not None and node == template else ""
    for key, child in items:
        found = _path_of(child, template, "%s.%s" % (prefix, key) if prefix else key)
        if found:
            return found
    return ""


def _finding(exc: AnsibleError, raw, variable: str) -> Finding:
    template = getattr(exc, "obj", None)
    template = template if isinstance(template, str) else None
    where = origin_of(template) if template is not None else None
    path = safe_path(_path_of(raw, template)) if template is not None else ""
    if path in secret_paths():
        template = None  # a secret field's template may hold part of the secret as text
    field = "%s.%s" % (variable, path) if path else variable
    text = str(exc)
    name = _UNDEFINED.search(text)
    attribute = _MISSING_ATTRIBUTE.search(text)
    if isinstance(exc, AnsibleUndefinedVariable) and name:
        message = "the variable '%s' is undefined, so %s cannot be resolved" % (name.group(1), field)
        hint = _UNDEFINED_HINT % name.group(1)
    elif isinstance(exc, AnsibleUndefinedVariable) and attribute:
        message = "'%s' is not defined in %s, so %s cannot be resolved" % (
            attribute.group(1),
            _expression(template),
            field,
        )
        hint = "Add the key %s to the variable it is read from, or correct the name." % attribute.group(1)
    else:  # never quote the error text: a failing filter may show the value it was given
        message = "%s cannot be resolved (%s)" % (field, _expression(template))
        hint = "Run ansible-inventory --host HOST --vars to see the error, and fix the template."
    return Finding(CODE, "error", message, hint, path=path, file=where[0] if where else "",
                   line=where[1] if where else 0, column=where[2] if where else 0)


def _expression(template):
    """The template text (never a value: templates are what the inventory's author wrote)."""
    if template is None:
        return "a template"
    text = " ".join(template.split())
    return text if len(text) <= 80 else text[:77] + "..."
