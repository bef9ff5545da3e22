"""``CSimLayer``: a compiled csim library as a non-trainable Keras layer.

::

    layer = firmware.as_keras_layer()           # or CSimLayer.from_firmware(firmware)
    model = keras.Sequential([keras.Input((16,)), layer])
    model.predict(x)                            # == firmware.predict(x)

The call runs ``firmware.predict`` through ``tf.numpy_function`` on the TensorFlow backend,
so it works eagerly and inside ``tf.function``/``model.predict``; on other backends it runs
eagerly only.  No gradient flows through it.

Serialization: ``get_config()`` holds the project folder; the firmware state (typed graph,
weights, export settings) is stored in ``<project>/csim/keras_layer.pkl`` (written when the
layer is created and again by ``get_config``).  ``from_config`` reloads it and compiles csim
(free when the library is in the build cache); a missing folder or state file raises a
FileNotFoundError that says so.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import keras
import numpy as np

__all__ = ["CSimLayer", "STATE_FILE", "load_firmware", "save_firmware"]

STATE_FILE = Path("csim") / "keras_layer.pkl"
_STATE_KEYS = ("config", "graph", "name")


def save_firmware(firmware) -> Path:
    """Write the firmware project (if needed) and the state a CSimLayer reloads from."""
    if not firmware._written:
        firmware.write()
    path = Path(firmware.output_dir) / STATE_FILE
    state = {k: getattr(firmware, k) for k in _STATE_KEYS}
    path.write_bytes(pickle.dumps(state))
    return path


def load_firmware(project):
    """The compiled Firmware of a project folder written by ``save_firmware``."""
    from fpga_export.backends import get_backend
    from fpga_export.firmware import Firmware

    project = Path(project)
    if not project.is_dir():
        raise FileNotFoundError(
            f"CSimLayer: firmware project folder {project} does not exist (moved or deleted?); "
            "export the model again and create the layer with firmware.as_keras_layer()"
        )
    path = project / STATE_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"CSimLayer: {path} not found: {project} is not a project saved by "
            "firmware.as_keras_layer() (or it was rewritten since)"
        )
    state = pickle.loads(path.read_bytes())
    fw = Firmware.__new__(Firmware)
    fw.config, fw.graph, fw.name = (state[k] for k in _STATE_KEYS)
    fw.backend = get_backend(fw.config.backend)
    fw.output_dir = project
    fw._frontend = None
    fw._lib = None
    fw._written = True
    return fw.compile()


@keras.saving.register_keras_serializable(package="fpga_export")
class CSimLayer(keras.layers.Layer):
    """Non-trainable layer whose call runs the firmware's csim (see the module docstring).

    Args:
        project: the firmware project folder (as in ``get_config``).
        firmware: the Firmware object (default: reloaded from ``project``).
        threads: csim threads (default: all cores).
    """

    def __init__(self, project=None, *, firmware=None, threads=None, **kwargs):
        kwargs["trainable"] = False
        super().__init__(**kwargs)
        if firmware is None:
            if project is None:
                raise ValueError("CSimLayer needs a project folder or a firmware")
            firmware = load_firmware(project)
        elif not firmware.compiled:
            firmware.compile()
        self.firmware = firmware
        self.project = str(firmware.output_dir)
        self.threads = threads
        g = firmware.graph
        if len(g.inputs) != 1 or len(g.outputs) != 1:
            raise ValueError(
                f"CSimLayer supports single-input, single-output firmware; {firmware.name!r} "
                f"has {len(g.inputs)} inputs and {len(g.outputs)} outputs"
            )
        self.input_shape_ = tuple(g[g.inputs[0]].shape)
        self.output_shape_ = tuple(g[g.outputs[0]].shape)

    @classmethod
    def from_firmware(cls, firmware, **kwargs) -> CSimLayer:
        save_firmware(firmware)
        kwargs.setdefault("name", f"csim_{firmware.name}")
        return cls(firmware=firmware, **kwargs)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        firmware = load_firmware(config.pop("project"))  # FileNotFoundError as is
        return cls(firmware=firmware, **config)

    def _run(self, x):
        y = self.firmware.predict(np.asarray(x), threads=self.threads)
        return np.asarray(y, dtype=self.compute_dtype)

    def call(self, x):
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            y = tf.numpy_function(self._run, [x], tf.as_dtype(self.compute_dtype), stateful=False)
            y.set_shape((x.shape[0], *self.output_shape_))
            return y
        return keras.ops.convert_to_tensor(self._run(keras.ops.convert_to_numpy(x)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_shape_)

    def get_config(self):
        save_firmware(self.firmware)  # current weights
        config = super().get_config()
        config.update({"project": self.project, "threads": self.threads})
        return config
