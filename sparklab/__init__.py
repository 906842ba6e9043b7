"""Shared library of the DGX Spark lab toolkit: inventory model, facts and helpers used by roles."""
