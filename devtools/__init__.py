"""Tools for developing and demonstrating the shop; the shop never imports them.

Installed with the project but usable only with their extras (pyproject.toml).
"""
