# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """Options of the fleet summary, shared by the callback and the playbooks' own copy of it."""

    DOCUMENTATION = r'''
options:
  report:
    description:
      - Path prefix of the reports, C(<report>.json) and a self-contained C(<report>.html); no report when unset.
      - A relative path is relative to the directory ansible-playbook runs in.
    type: path
    env:
      - name: MAILCONFIG_REPORT
    ini:
      - section: mailconfig
        key: report
  previous:
    description:
      - The previous run's JSON report. The summary and reports then list first the practices whose status changed
        (newly failing, new diagnosis, recovered), with the change.
    type: path
    env:
      - name: MAILCONFIG_REPORT_PREVIOUS
    ini:
      - section: mailconfig
        key: previous
  audit_log:
    description:
      - JSON-lines file every settings change (and failed apply) is appended to, with the practice, store, names of
        the keys changed, outcome and run; written whether or not O(report) is set.
      - Defaults to C(audit.jsonl) in the controller's state folder, where the lockout guard keeps its memory, which
        is C(MAILCONFIG_STATE_DIR), else C($XDG_STATE_HOME/mailconfig), else C(~/.local/state/mailconfig). An AWX job
        starts in a fresh container, so point this (or C(MAILCONFIG_STATE_DIR)) at a persistent volume there.
    type: path
    env:
      - name: MAILCONFIG_AUDIT_LOG
    ini:
      - section: mailconfig
        key: audit_log
  prometheus:
    description: Also write the results in Prometheus text format to this file (for node_exporter's textfile collector).
    type: path
    env:
      - name: MAILCONFIG_PROMETHEUS
    ini:
      - section: mailconfig
        key: prometheus
'''
