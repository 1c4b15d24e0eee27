"""The fleet summary takes a practice checked from the controller from the batch task, once.

Each practice's own mail_verify task repeats its share of the batch (``from_batch``); reading
that result again would make ansible-core convert it once per practice in the process that
runs the whole play, so the callback must leave it unread. A result checked from the site
(no ``from_batch``) is still read.
"""

from types import SimpleNamespace

from ansible_collections.mailops.mailconfig.plugins.callback.fleet_summary import CallbackModule

OK_SIDE = {"status": "ok", "code": None, "message": "logged in", "hint": None}
FAILED_SIDE = {"status": "failed", "code": "auth_failed", "message": "rejected", "hint": "check the password"}


class Unread(SimpleNamespace):
    """A callback result whose data must not be read."""

    @property
    def _result(self):
        raise AssertionError("the summary read a result the batch already reported")


def _task(action, args=None):
    return SimpleNamespace(
        resolved_action="mailops.mailconfig." + action, action=action, check_mode=False, args=args or {}
    )


def _host(name):
    return SimpleNamespace(get_name=lambda: name)


def test_a_practice_reported_by_the_batch_is_not_read_again():
    summary = CallbackModule()
    batch = SimpleNamespace(
        _task=_task("mail_verify_batch"),
        _host=_host("controller"),
        _task_fields={"args": {}},
        _result={
            "results": {
                "p1": {"ok": True, "outgoing": OK_SIDE, "incoming": OK_SIDE, "provider": "other"},
                "p2": {"ok": False, "outgoing": FAILED_SIDE, "incoming": OK_SIDE, "provider": "other"},
            }
        },
    )
    summary.v2_runner_on_ok(batch)
    for name, failed in (("p1", False), ("p2", True)):
        own = Unread(
            _task=_task("mail_verify"),
            _host=_host(name),
            _task_fields={"args": {"from_batch": "mail_account_verify_batch"}},
        )
        (summary.v2_runner_on_failed if failed else summary.v2_runner_on_ok)(own)
    assert (summary.rows["p1"]["outgoing"], summary.rows["p1"]["diagnosis"]) == ("ok", "")
    assert (summary.rows["p2"]["outgoing"], summary.rows["p2"]["diagnosis"]) == ("failed", "auth_failed")


def test_a_practice_checked_from_its_site_is_read():
    summary = CallbackModule()
    own = SimpleNamespace(_task=_task("mail_verify"), _host=_host("p3"), _task_fields={"args": {"declaration": {}}},
                          _result={"ok": False, "outgoing": FAILED_SIDE, "incoming": OK_SIDE})
    summary.v2_runner_on_failed(own)
    assert (summary.rows["p3"]["outgoing"], summary.rows["p3"]["diagnosis"]) == ("failed", "auth_failed")
