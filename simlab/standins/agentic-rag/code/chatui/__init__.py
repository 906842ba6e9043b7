# LAB FIXTURE (sparklab simulated lab): stand-in of NVIDIA/workbench-example-agentic-rag's chatui package.
"""Agentic RAG chat UI stand-in: ``python3 -m chatui`` (see __main__)."""
