import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/graphs.py, tests/conformance.py

# Compiled csim libraries of the test run go to a cache inside the checkout (git-ignored),
# not to the user's ~/.cache, unless the caller chose a cache.
os.environ.setdefault("FPGA_EXPORT_CACHE", str(ROOT / ".pytest_cache" / "fpga-export"))
