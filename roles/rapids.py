"""Lab 5D-1, CUDA-X Data Science (RAPIDS): the playbook's conda environment `rapids-test` (cuDF, cuML, Jupyter,
HDBSCAN, UMAP; levels-3-5.md §5D-1, dgx-spark-playbooks.md §4.1), an environment a student works in by hand
(`source /opt/miniforge3/bin/activate rapids-test`, then `jupyter notebook cudf_pandas_demo.ipynb` in
~/cuda-x-data-science): no unit, no port.

Better than the playbook, which says "install conda" (any Miniconda, any version, in the student's home):
- conda comes from a **pinned Miniforge installer** verified by its sha256 (conda-forge's own distribution, whose
  default channel is conda-forge as the RAPIDS command wants), installed once under `rapids_conda_prefix`;
- the environment is created only when its pins change (the stamp beside it records channels and specs), with
  `--override-channels`, so the channels listed here are the only ones asked (a class mirror replaces them all),
  and it counts as created only once `import cudf, cuml` works in it;
- the playbook's notebooks are copied from the pinned checkout into the lab user's home.
The environment belongs to root: students use it, they cannot break it. `jupyter`, `hdbscan` and `umap-learn`
are unpinned in the playbook; here they are pinned to their releases current when RAPIDS 26.06 came out (see
`rapids_conda_packages`), so two classes a month apart get the same environment.

**Kaggle key.** `cudf_pandas_demo.ipynb` downloads its dataset with the Kaggle API: each student uses their own
Kaggle account, so the key is not a class secret. A student creates it (kaggle.com, Settings, API, "Create New
Token"), puts `kaggle.json` in ~/cuda-x-data-science beside the notebook, and the notebook copies it to ~/.kaggle/
(0600) and `pip install`s kaggle itself (into the student's ~/.local: the environment is root's).
`cuml_sklearn_demo.ipynb` needs no key.

**Absent.** When the lab is not chosen, the environment is removed (`envs/rapids-test` and its stamp); Miniforge and
conda's package cache (`pkgs/`, the GBs downloaded) are kept, so choosing the lab again re-links rather than
re-downloads. The notebooks in the student's home are the student's and stay.
"""

import json

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.facts.deb import DebArch
from pyinfra.operations import files

from roles import knob
from roles.playbooks_source import lab_dir
from roles.users import home
from sparklab import host_secrets, track_labs
from sparklab.builds import when_changed
from sparklab.facts import static_fact
from sparklab.finetune_envs import scripts_copied
from sparklab.operations import file_downloaded
from sparklab.track_checks import RAPIDS_IMPORTS, conda_run, rapids_stamp

DEFAULTS = {
    # conda-forge/miniforge's release of 2026-05-29 (git tag 26.3.2-3; conda 26.3, Python 3.13, mamba 2.5).
    "rapids_miniforge_version": "26.3.2-3",
    # The release's installer; {version} and {arch} (aarch64, x86_64: `uname -m`) are filled in. A mirror keeps
    # the file name.
    "rapids_miniforge_url": ("https://github.com/conda-forge/miniforge/releases/download/{version}/"
                             "Miniforge3-{version}-Linux-{arch}.sh"),
    # sha256 of the installer per architecture: the release's Miniforge3-26.3.2-3-Linux-aarch64.sh.sha256 (as two
    # projects that pin this release quote it; the download is checked against it). Without one for the host's
    # architecture the lab is skipped (never installed unverified).
    "rapids_miniforge_sha256": {"aarch64": "2c113a69297e612b01ca0f320c22a3107a11f2ab9b573d79ac868a175945ce29"},
    "rapids_conda_prefix": "/opt/miniforge3",
    # The playbook's environment: `conda create -n rapids-test -c rapidsai -c conda-forge -c nvidia rapids=26.06
    # python=3.12 'cuda-version=13.0' jupyter hdbscan umap-learn`, with the last three pinned to the releases out
    # before RAPIDS 26.06 (PyPI upload dates, which conda-forge's feedstocks follow: jupyter 1.1.1 2024-08-30,
    # hdbscan 0.8.43 2026-05-13, umap-learn 0.5.12 2026-04-08).
    "rapids_conda_env": "rapids-test",
    # Channels, in the playbook's order (URLs of a mirror work too); only these are asked (--override-channels).
    "rapids_conda_channels": ["rapidsai", "conda-forge", "nvidia"],
    "rapids_conda_packages": ["rapids=26.06", "python=3.12", "cuda-version=13.0", "jupyter=1.1.1",
                              "hdbscan=0.8.43", "umap-learn=0.5.12"],
}
# The Miniforge installers' architecture names (`uname -m`) for Debian's.
ARCH = {"arm64": "aarch64", "amd64": "x86_64"}
DOWNLOADS = "/var/lib/spark-lab/rapids"


def _env_dir(data) -> str:
    return f"{data.rapids_conda_prefix}/envs/{data.rapids_conda_env}"


def _env_stamp(data) -> str:
    return rapids_stamp(data.rapids_conda_prefix, data.rapids_conda_env)


def _absent(data) -> None:
    files.directory(name=f"RAPIDS environment {data.rapids_conda_env} removed", path=_env_dir(data), present=False)
    files.file(name=f"RAPIDS environment {data.rapids_conda_env} stamp removed", path=_env_stamp(data),
               present=False)


def _miniforge(data, arch: str, sha256: str) -> None:
    version, prefix = data.rapids_miniforge_version, data.rapids_conda_prefix
    installer = f"{DOWNLOADS}/Miniforge3-{version}-Linux-{arch}.sh"
    file_downloaded(name=f"Miniforge {version} installer ({arch})",
                    url=data.rapids_miniforge_url.format(version=version, arch=arch), dest=installer, sha256=sha256)
    # -b: batch (no licence prompt, no shell init); -u: install over an older Miniforge in the same prefix.
    when_changed(f"Miniforge {version} in {prefix}", f"{prefix}/.spark-lab-miniforge", f"{version} {sha256}",
                 [StringCommand("bash", QuoteString(installer), "-b -u -p", QuoteString(prefix))])


def _environment(data) -> None:
    conda, env = f"{data.rapids_conda_prefix}/bin/conda", data.rapids_conda_env
    channels = [a for channel in data.rapids_conda_channels for a in ("-c", QuoteString(channel))]
    pins = json.dumps({"channels": data.rapids_conda_channels, "packages": data.rapids_conda_packages},
                      sort_keys=True)
    when_changed(f"RAPIDS environment {env}", _env_stamp(data), pins, [
        StringCommand("rm -rf", QuoteString(_env_dir(data))),  # a changed pin: created afresh, as the playbook's
        StringCommand(conda, "create -y -q -n", QuoteString(env), "--override-channels", *channels,
                      *[QuoteString(p) for p in data.rapids_conda_packages]),
        StringCommand(*[QuoteString(a) for a in conda_run(data.rapids_conda_prefix, env, RAPIDS_IMPORTS)]),
    ])


@deploy("RAPIDS (CUDA-X Data Science)", data_defaults=DEFAULTS)
def rapids():
    data = host.data
    if not track_labs.chosen(knob, track_labs.RAPIDS):
        _absent(data)
        return
    deb_arch = static_fact(DebArch)
    arch = ARCH.get(deb_arch, deb_arch)
    sha256 = data.rapids_miniforge_sha256.get(arch)
    if not sha256:
        host_secrets.skipped("RAPIDS", f"no rapids_miniforge_sha256 for {arch}; take it from the Miniforge "
                                       f"release's Miniforge3-{data.rapids_miniforge_version}-Linux-{arch}.sh.sha256")
        return
    _miniforge(data, arch, sha256)
    _environment(data)
    scripts_copied("CUDA-X Data Science", lab_dir("cuda-x-data-science"), f"{home()}/cuda-x-data-science",
                   data.lab_user, knob("playbooks_commit"))
