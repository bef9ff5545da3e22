"""Internals of :mod:`fpga_export.types` (import the public API from there)."""
