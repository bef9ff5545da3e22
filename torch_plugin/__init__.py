"""PyTorch frontend of fpga-export (torch.fx, Brevitas): not implemented yet.

Planned in the PyTorch plugin issue; ``fpga_export.export(module)`` says so explicitly.
"""
