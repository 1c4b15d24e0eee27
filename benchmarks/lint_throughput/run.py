"""mailconfig-lint over 10,000 generated declarations vs check-jsonschema and a plain loop, same run.

    .venv/bin/python benchmarks/lint_throughput/run.py [--files 10000] [--repeats 3]
"""

import argparse
import glob
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

from _timing import best_of  # noqa: E402
import generate  # noqa: E402  pylint: disable=wrong-import-position

SCHEMA = os.path.join(ROOT, "schemas", "mail_account.schema.json")
BIN = os.path.dirname(sys.executable)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        generate.main(folder, args.files)
        files = sorted(glob.glob(os.path.join(folder, "*.yml")))
        commands = {
            "mailconfig-lint (2 workers)": [sys.executable, os.path.join(ROOT, "bin", "mailconfig-lint"), folder],
            "mailconfig-lint (1 worker)": [
                sys.executable,
                os.path.join(ROOT, "bin", "mailconfig-lint"),
                "--jobs",
                "1",
                folder,
            ],
            "PyYAML + jsonschema loop": [sys.executable, os.path.join(HERE, "plain_loop.py"), SCHEMA, folder],
            "check-jsonschema": [os.path.join(BIN, "check-jsonschema"), "--schemafile", SCHEMA] + files,
        }
        rows = {}
        for name, command in commands.items():
            wall, cpu, result = best_of(args.repeats, command)
            if result.returncode != 0:
                raise SystemExit("%s failed (%d):\n%s" % (name, result.returncode, result.stdout.decode()[-2000:]))
            rows[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
    base = rows["check-jsonschema"]
    print("| command | wall s | CPU s | CPU per 1,000 files | CPU vs check-jsonschema |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        print("| %s | %.2f | %.2f | %.3f s | %.2fx less |" % (
            name, row["wall_s"], row["cpu_s"], row["cpu_s"] * 1000 / args.files, base["cpu_s"] / row["cpu_s"]))
    print(json.dumps({"files": args.files, "results": rows}))


if __name__ == "__main__":
    main()
