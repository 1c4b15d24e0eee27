"""mail_verify's from_batch: a host reports its own entry of a registered mail_verify_batch result."""

from ansible_collections.mailops.mailconfig.plugins.action.mail_verify import _share

BATCH = {
    "changed": False,
    "results": {"practice-a": {"ok": True, "msg": "fine"}, "practice-b": {"ok": False, "msg": "auth_failed"}},
}


def test_each_host_gets_its_own_entry_as_a_copy():
    share, problem = _share("batch", {"inventory_hostname": "practice-b", "batch": BATCH})
    assert problem is None and share == {"ok": False, "msg": "auth_failed"}
    share["msg"] = "changed"
    assert BATCH["results"]["practice-b"]["msg"] == "auth_failed"


def test_a_name_that_is_not_a_registered_batch_result_is_refused_by_name():
    for task_vars in ({"inventory_hostname": "practice-a"}, {"inventory_hostname": "practice-a", "batch": "text"},
                      {"inventory_hostname": "practice-a", "batch": {"skipped": True}}):
        share, problem = _share("batch", task_vars)
        assert share is None and "from_batch must name a variable registered from a mail_verify_batch task" in problem
        assert "'batch'" in problem


def test_a_host_outside_the_batch_is_told_so():
    share, problem = _share("batch", {"inventory_hostname": "practice-z", "batch": BATCH})
    assert share is None and "has no entry for practice-z" in problem
