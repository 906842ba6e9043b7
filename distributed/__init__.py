"""Collectives, nccl-tests and FSDP / DeepSpeed training across the Sparks of an inventory.

``python -m distributed {collectives,nccl-tests,train}``: the driver (``driver``) starts the ranks
(``launch``: inventory nodes, command lines, the jobs runner), each rank runs ``distributed.worker``
(``collectives``, ``train``); results come back as one JSON line (keys in ``results``) and land in a run folder
(``run_report``). ``nccl_tests`` runs NVIDIA's binaries and judges them. The CPU (gloo) and GPU (nccl, cuda)
paths differ only in backend and device (``launch.rank_env``). The ranks import only this package: it is all
that nodes hold.
"""
