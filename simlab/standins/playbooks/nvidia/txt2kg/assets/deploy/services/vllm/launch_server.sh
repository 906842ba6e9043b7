#!/bin/sh
# LAB FIXTURE (sparklab simulated lab): stand-in of txt2kg's launch_server.sh. The real script tests CUDA
# with PyTorch, reads the GPU's compute capability and picks memory settings; the stand-in image has no
# PyTorch and no GPU, so this one only takes the same environment and runs the same `vllm serve` command.
MODEL_TO_USE="${VLLM_MODEL:-Qwen/Qwen2.5-7B-Instruct}"
MAX_MODEL_LEN="${VLLM_MAX_MODEL_LEN:-8192}"
MAX_NUM_SEQS="${VLLM_MAX_NUM_SEQS:-64}"
GPU_MEMORY_UTIL="${VLLM_GPU_MEMORY_UTILIZATION:-0.9}"
echo "=== vLLM Configuration (stand-in) ==="
echo "Model: $MODEL_TO_USE"
exec vllm serve "$MODEL_TO_USE" \
  --host 0.0.0.0 \
  --port 8001 \
  --tensor-parallel-size 1 \
  --max-model-len "$MAX_MODEL_LEN" \
  --max-num-seqs "$MAX_NUM_SEQS" \
  --gpu-memory-utilization "$GPU_MEMORY_UTIL" \
  --kv-cache-dtype auto \
  --trust-remote-code \
  --served-model-name "$MODEL_TO_USE"
