"""``python -m tests.servers start|stop --dir DIR``: run the test servers outside pytest.

``start`` prints the path of DIR/servers.json (ports, CA, users, PIDs) and returns once
every server has greeted; ``stop`` reads that file and stops those servers only.
"""

import argparse
import sys

from tests.servers import suite


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.servers", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True, help="folder for configs, certificates, mail and servers.json")
    args = parser.parse_args(argv)
    if args.action == "start":
        state = suite.start(args.dir)
        print("%s/%s" % (state["dir"], suite.STATE_FILE))
    else:
        suite.stop(suite.load(args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
