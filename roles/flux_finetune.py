"""Lab 5A-2, FLUX.1 Dreambooth LoRA (levels-3-5.md §5A-2). SKELETON: knobs the workload plan reads."""

DEFAULTS = {
    # The playbook's inference ComfyUI (host network): 8188 is the ComfyUI lab's, so it listens here.
    "flux_comfyui_port": 8189,
}
