import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")

# Fixture notebooks (nbgrader's example course and app-test files) are data for tests/test_nbgrader_compat.py,
# not notebooks for nbval to execute.
collect_ignore_glob = ["fixtures/*"]
