"""`make bench`: every benchmark in turn, each with its baseline measured in the same run.

    .venv/bin/python benchmarks/run.py [NAME ...]
    # names: lint_throughput rollout rollout_odoo verify verify_batch verify_dead_server fleet oauth_campaign

Each prints a markdown table; docs/performance.md records the figures and how to read them.
Rollout and fleet run hundreds of hosts: on two cores fleet alone, with its default four extra
pairs of idempotent rollout and ping, takes about a quarter of an hour (25 minutes with --pairs 9), and
rollout_odoo's three repeats about 25 minutes.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ("lint_throughput", "rollout", "rollout_odoo", "verify", "verify_batch", "verify_dead_server", "fleet",
         "oauth_campaign")
# every other NAME is NAME/run.py
SCRIPTS = {
    "rollout_odoo": os.path.join("rollout", "odoo.py"),
    "verify_batch": os.path.join("verify", "batch.py"),
    "verify_dead_server": os.path.join("verify", "dead_server.py"),
}


def main(names):
    failed = []
    for name in names or ORDER:
        print("\n## %s\n" % name, flush=True)
        script = SCRIPTS.get(name, os.path.join(name, "run.py"))
        if subprocess.run([sys.executable, os.path.join(HERE, script)], check=False).returncode:
            failed.append(name)
    if failed:
        print("failed: %s" % ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
