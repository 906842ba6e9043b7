"""Level 4 — fine-tuning: the PyTorch, Unsloth, LLaMA Factory and NeMo AutoModel environments of NVIDIA's
playbooks, pinned, with the lab user's Hugging Face cache (token, and the labs' models and datasets downloaded
ahead of class). Includes level 3 (the playbooks checkout) and so level 2."""

from pyinfra import local

from roles.hf_cache import hf_cache
from roles.llama_factory import llama_factory
from roles.nemo_automodel import nemo_automodel
from roles.pytorch_finetune import pytorch_finetune, pytorch_image
from roles.unsloth import unsloth

local.include("deploys/level3.py")
pytorch_finetune()
hf_cache(download_image=pytorch_image())
unsloth()
llama_factory()
nemo_automodel()
