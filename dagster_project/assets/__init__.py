"""Warehouse assets, one module per layer."""
