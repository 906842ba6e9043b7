#!/bin/sh
# LAB FIXTURE: stand-in for conda-forge's Miniforge3-@VERSION@-Linux-<arch>.sh installer in the simulated lab
# (simlab/standins/miniforge/, served by the lab mirror under the release's file name). It takes the real
# installer's batch options and writes a `conda` stand-in into the prefix: environments are real Python venvs with
# real CPU packages from the lab wheelhouse and stand-in `cudf`/`cuml` modules. No conda, no Python of its own
# (the host's python3 runs it), no GPU.
set -eu
PREFIX="${HOME:-/root}/miniforge3"
BATCH=0
UPDATE=0
usage() {
    echo "usage: $0 [-b] [-f] [-h] [-p PREFIX] [-s] [-u] (stand-in of Miniforge3 @VERSION@)"
}
while getopts "bfhp:stu" opt; do
    case "$opt" in
        b) BATCH=1 ;;
        f|u) UPDATE=1 ;;
        h) usage; exit 0 ;;
        p) PREFIX="$OPTARG" ;;
        s|t) ;;
        *) usage >&2; exit 2 ;;
    esac
done
if [ "$BATCH" = 0 ]; then
    echo "stand-in: only batch mode (-b) is simulated" >&2
    exit 2
fi
if [ -e "$PREFIX" ] && [ "$UPDATE" = 0 ]; then
    echo "ERROR: File or directory already exists: '$PREFIX'" >&2
    echo "If you want to update an existing installation, use the -u option." >&2
    exit 1
fi
command -v python3 >/dev/null || { echo "stand-in: needs the host's python3" >&2; exit 1; }
echo "PREFIX=$PREFIX"
echo "Unpacking payload (sparklab stand-in of Miniforge3 @VERSION@) ..."
mkdir -p "$PREFIX/bin" "$PREFIX/condabin" "$PREFIX/envs" "$PREFIX/pkgs"
@PAYLOAD@
ln -sf ../bin/conda "$PREFIX/condabin/conda"
echo "installation finished."
