"""Where the repository is, for tests at any depth of the tree."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
