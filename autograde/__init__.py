"""Sandboxed, tamper-proof grading of nbgrader assignments. CLI: ``python -m autograde --help``."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
