"""Real mail servers for the tests, the demo and the benchmarks (see suite.py).

``start(folder) -> state`` and ``stop(state)``; ``python -m tests.servers start|stop --dir DIR``;
the pytest session fixture ``mail_servers`` in fixtures.py.
"""

from tests.servers.suite import load, start, stop

__all__ = ["load", "start", "stop"]
