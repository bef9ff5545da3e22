"""``CSimLayer``: a compiled csim library as a non-trainable Keras layer.

::

    layer = firmware.as_keras_layer()           # or CSimLayer.from_firmware(firmware)
    model = keras.Sequential([keras.Input((16,)), layer])
    model.predict(x)                            # == firmware.predict(x)

The call runs ``firmware.predict`` through ``tf.numpy_function`` on the TensorFlow backend,
so it works eagerly and inside ``tf.function``/``model.predict``; on other backends it runs
eagerly only.  No gradient flows through it.

Serialization: ``get_config()`` holds the project folder. The firmware state (export
settings, typed graph, weights) is data in that folder: ``csim/firmware_state.json`` and
``csim/firmware_weights.npz`` (``fpga_export.state``; written with the project, and again with
the current weights by ``get_config``).  ``from_config`` reads that data, validates it
(``np.load(allow_pickle=False)``), generates the C++ project again with fpga-export's own
generator into a folder of its own in the fpga-export cache and compiles it there (free when
the library is in the build cache).  A missing folder or state raises a FileNotFoundError
that says so.

What loading a model that contains a CSimLayer trusts: the installed fpga-export (its
generator and the headers it ships), the C++ compiler (``CXX``) and
``FPGA_EXPORT_VENDOR_INCLUDE`` of the environment. It does not trust the project folder or
the model file: nothing there is unpickled, and no C++ file found there is compiled or run;
the state is validated (registered op kinds, typed fields, C++ identifiers as names, op
strings as plain words, consistent shapes and weights; ``fpga_export.state``; framework layer
names reach the generated files only escaped by ``fpga_export.codegen.names``), so a crafted
state can only make loading fail, compile a large model, or change the outputs as any weights
file can.

Keras' ``safe_mode``: since loading reads data only and runs only code fpga-export generates,
a CSimLayer loads with ``safe_mode=True`` (``keras.models.load_model``'s default) exactly as
with ``safe_mode=False``; neither unpickles or runs anything from the file or the folder.
A folder saved by an older fpga-export (a pickled ``csim/keras_layer.pkl``) is refused, never
unpickled: export the model again.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from fpga_export import state

__all__ = ["CSimLayer", "STATE_FILE", "load_firmware", "save_firmware"]

STATE_FILE = Path(state.STATE_FILE)
LEGACY_STATE_FILE = Path("csim") / "keras_layer.pkl"


def save_firmware(firmware, project=None) -> Path:
    """Write the firmware's current state into its project folder (or ``project``), writing
    the project first if needed; returns the state file."""
    folder = firmware.save_state(project)
    return Path(folder) / STATE_FILE


def load_firmware(project):
    """The compiled Firmware saved in a project folder (see the module docstring)."""
    from fpga_export.firmware import Firmware

    project = Path(project)
    if not project.is_dir():
        raise FileNotFoundError(
            f"CSimLayer: firmware project folder {project} does not exist (moved or deleted?); "
            "export the model again and create the layer with firmware.as_keras_layer()"
        )
    path = project / STATE_FILE
    if not path.is_file():
        if (project / LEGACY_STATE_FILE).exists():
            raise ValueError(
                f"CSimLayer: {project} holds a firmware state saved by an older fpga-export as "
                f"a pickle ({LEGACY_STATE_FILE}), which is never loaded (unpickling can run "
                "code); export the model again and create the layer with "
                "firmware.as_keras_layer()"
            )
        raise FileNotFoundError(
            f"CSimLayer: {path} not found: {project} is not a project saved by "
            "firmware.as_keras_layer() (or it was rewritten since)"
        )
    return Firmware.load(project).compile()


@keras.saving.register_keras_serializable(package="fpga_export")
class CSimLayer(keras.layers.Layer):
    """Non-trainable layer whose call runs the firmware's csim (see the module docstring).

    Args:
        project: the firmware project folder (as in ``get_config``); its state is loaded
            when no ``firmware`` is given, and saved there by ``get_config``.
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
        self.project = str(project if project is not None else firmware.output_dir)
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
        project = config.pop("project")
        firmware = load_firmware(project)  # FileNotFoundError as is
        return cls(project, firmware=firmware, **config)

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
        save_firmware(self.firmware, self.project)  # current weights
        config = super().get_config()
        config.update({"project": self.project, "threads": self.threads})
        return config
