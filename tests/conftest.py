import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/graphs.py, tests/conformance.py

# Compiled csim libraries of the test run go to a cache inside the checkout (git-ignored),
# not to the user's ~/.cache, unless the caller chose a cache.
os.environ.setdefault("FPGA_EXPORT_CACHE", str(ROOT / ".pytest_cache" / "fpga-export"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ start-up chatter

# QKeras needs legacy Keras, chosen before TensorFlow is imported: tests/qkeras run in a
# process of their own with TF_USE_LEGACY_KERAS=1 (`make test` runs both).
LEGACY = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
collect_ignore = [] if LEGACY else ["qkeras"]


def pytest_report_header(config):
    if not LEGACY:
        return (
            "tests/qkeras skipped in this process (they need TF_USE_LEGACY_KERAS=1): "
            "run `TF_USE_LEGACY_KERAS=1 pytest tests/qkeras` (make test does)"
        )
    return None
