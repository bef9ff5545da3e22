# `make demo` and `make test` work from a fresh clone: they create .venv and install the
# package with all extras the first time, and skip that when pyproject.toml has not changed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HGQ2 := $(VENV)/hgq2

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24" 
	$(PY) -m pip install --quiet -e '.[all]'
	@# hgq2 0.2.0 ships a `qkeras` package that would overwrite QKeras' files: it goes into a
	@# folder of its own without that package, on sys.path after site-packages (a .pth file)
	rm -rf $(HGQ2)
	$(PY) -m pip install --quiet --no-deps --target $(HGQ2) 'hgq2==0.2.0'
	rm -rf $(HGQ2)/qkeras
	$(PY) -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "fpga_export_hgq2.pth").write_text(str(pathlib.Path(sys.argv[1]).resolve()))' $(HGQ2)
	$(PY) -c 'from importlib.util import find_spec as f; assert "hgq2" in f("hgq").origin and "hgq2" not in f("qkeras").origin'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py
	$(PY) examples/keras_qat_callback.py
	$(PY) examples/qkeras_digits.py
	$(PY) examples/torch_brevitas_train.py

# One pytest worker per core (most of a cold run is g++ building csim libraries).
# QKeras needs legacy Keras chosen before TensorFlow loads: its tests run in their own processes.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n auto
	TF_USE_LEGACY_KERAS=1 $(PY) -m pytest -q -n auto tests/qkeras

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(STAMP)
	$(PY) bench/fixed_ops.py
	$(PY) bench/csim.py
	$(PY) bench/csim_qkeras.py
	$(PY) bench/recurrent.py
	$(PY) bench/csim_kernels.py
	$(PY) bench/csim_cnn.py
	$(PY) bench/write_callback.py
	$(PY) bench/estimate.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
