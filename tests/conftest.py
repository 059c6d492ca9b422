"""Make the test helpers in this folder (synthetic.py) importable from the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
