#!/bin/sh
# LAB FIXTURE: stand-in for the RAPIDS images' /home/rapids/entrypoint.sh (rapidsai/docker): it prints the image's
# notice and runs the command it is given (the real one also installs $EXTRA_PIP_PACKAGES and the like).
echo "sparklab stand-in of nvcr.io/nvidia/rapidsai/notebooks:25.10-cuda13-py3.13: JupyterLab on the CPU, no RAPIDS"
exec "$@"
