# LAB FIXTURE (sparklab simulated lab): stand-in of comfyanonymous/ComfyUI's comfyui_version.py (the real one is
# generated from pyproject.toml's version). A version no ComfyUI release has: this is not ComfyUI.
__version__ = "0.0.0+sparklab.standin"
