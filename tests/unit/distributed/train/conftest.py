"""The tiny Llama fixture (``tiny_llm``)."""

from tiny_llm import tiny_llama  # noqa: F401  (a fixture)
