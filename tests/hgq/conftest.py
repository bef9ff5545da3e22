"""HGQ2 is Keras 3: its tests do not run in the legacy-Keras (QKeras) process."""

import os

collect_ignore_glob = ["test_*.py"] if os.environ.get("TF_USE_LEGACY_KERAS") == "1" else []
