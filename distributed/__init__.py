"""Collectives, nccl-tests and FSDP / DeepSpeed training across the Sparks of an inventory.

``python -m distributed {collectives,nccl-tests,train}``: the driver (``cli``) launches ranks (``launch``),
each rank runs ``distributed.worker``; results come back as one JSON line and land in a run folder
(``report``). The CPU (gloo) and GPU (nccl, cuda) paths differ only in backend and device (``rank_env``).
"""
