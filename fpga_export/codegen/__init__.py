"""C++ emission helpers and the project writer."""
