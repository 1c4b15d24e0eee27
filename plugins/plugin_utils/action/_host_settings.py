# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each practice's own settings, for a task that runs once on behalf of many practices.

A ``run_once`` task's options are templated for one host only: a timeout or a CA that
another practice sets for itself (inventory, facts, extra vars) would be lost, and the
first host's own value would be applied to everyone. Here each practice's own variable
wins; a practice that sets none gets the task's value, unless that value is the first
host's own setting, in which case it gets the option's default (what its own task would get).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# Options whose empty value means "not set" (the role's defaults are "" and 0, its tasks pass them as omit).
_EMPTY_IS_UNSET = ("ca_path", "send_test_to", "deadline")


class HostSettings:
    """The ``options`` per host: those named in ``variables`` (option -> host variable) from each host's own."""

    def __init__(
        self,
        spec: Mapping[str, dict],
        given: Mapping[str, Any],
        options: Sequence[str],
        variables: Mapping[str, str],
        first: Any,
    ) -> None:
        self._variables = dict(variables)
        self._spec = {variable: spec[option] for option, variable in self._variables.items()}
        self._fallback = {option: _unset_if_empty(option, given.get(option)) for option in options}
        first_own, _problem = self._own(first)
        for option, variable in self._variables.items():
            if (
                variable in first_own and first_own[variable] == self._fallback[option]
            ):  # the first host's, not the play's
                self._fallback[option] = _unset_if_empty(option, spec[option].get("default"))

    def of(self, values: Any) -> Tuple[Dict[str, Any], Optional[str]]:
        """``(settings, None)`` for one host's variables (``hostvars[host]``), or ``({}, why not)``."""
        own, problem = self._own(values)
        if problem:
            return {}, problem
        settings = dict(self._fallback)
        settings.update((option, own[variable]) for option, variable in self._variables.items() if variable in own)
        return settings, None

    def _own(self, values: Any) -> Tuple[Dict[str, Any], Optional[str]]:
        """The host's own values of the variables, converted as the options' types say."""
        try:
            raw = {variable: values[variable] for variable in self._spec if variable in values}
        except AnsibleError as exc:
            return {}, "cannot read the verification settings: %s" % exc.message
        result = ArgumentSpecValidator(self._spec).validate(raw)
        if result.error_messages:
            return {}, "; ".join(result.error_messages)
        options = {variable: option for option, variable in self._variables.items()}
        return {
            variable: _unset_if_empty(options[variable], result.validated_parameters[variable]) for variable in raw
        }, None


def _unset_if_empty(option: str, value: Any) -> Any:
    return None if option in _EMPTY_IS_UNSET and not value else value
