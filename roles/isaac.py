"""Lab 5C, Isaac Sim and Isaac Lab (levels-3-5.md §5C): NVIDIA's source build on the host, at pinned releases, on
hosts with an NVIDIA GPU only, rebuilt only when a pin changes. A student runs `spark-lab-isaac-sim` (Isaac Sim's
isaac-sim.sh) and `spark-lab-isaaclab ARGS` (Isaac Lab's isaaclab.sh, e.g. `-p
scripts/reinforcement_learning/rsl_rl/train.py --task=Isaac-Velocity-Rough-H1-v0 --headless` in `isaac_dir`/IsaacLab).
No unit, no port: a desktop application and a training command.

Better than the playbook:
- **Pinned.** The playbook clones both repositories' default branches. Isaac Sim is pinned to v6.0.0 (its first
  general release with the aarch64 build the playbook's early-release note points to): 6.0.1's build fails on a
  Spark (isaac-sim/IsaacSim#732) and Isaac Lab 2.3 on Isaac Sim 5.1 does not start there (isaac-sim/IsaacLab#3761).
  Isaac Lab is pinned to v3.0.0-beta2, the release made for Isaac Sim 6.0.0 (v3.0.0-beta2.patch1 moved to 6.0.1).
  A clone is checked against `isaac_*_commit` where the data gives one.
- **The system compiler stays.** The playbook makes gcc-11 the system default with update-alternatives. Here
  gcc-11 and g++-11 are installed beside Ubuntu's default and only the build sees them, through a directory of
  links (gcc, g++, cc, c++, cpp -> the -11 binaries) put first on the build's PATH, with CC and CXX naming them:
  Isaac Sim's compiler check (repo.toml: version_check_gcc_version "11.*.*") runs `gcc --version` from PATH;
  premake's makefiles, CMake and pip's builds take $CC/$CXX; nvcc, given no -ccbin on Linux
  (premake5-isaacsim.lua), uses the gcc on PATH. Nothing else on the Spark changes compiler.
- **The licence is the class's decision.** build.sh stops at a prompt for the Isaac Sim additional software licence;
  the deploy accepts it (tools/eula_check.sh's .eula_accepted) only when the inventory says `isaac_accept_eula:
  True`, and otherwise skips the lab naming the licence.
- **libgomp** is preloaded (the playbook's troubleshooting) by the two commands only, not system-wide.
- Builds run as the lab user in `isaac_dir` (theirs, as the playbook's clones in a student's home are), from a
  fresh clone each time a pin changes (the playbook's "old installation" build error), release configuration only.

Absent when not chosen: the commands and the compiler links are removed; the build (tens of GB) is kept, with its
stamps, so choosing the track again costs nothing.
"""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.facts.deb import DebArch
from pyinfra.operations import apt, files

from roles import knob
from sparklab import host_secrets, track_labs
from sparklab.builds import when_changed
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.finetune_envs import BIN_DIR
from sparklab.interconnect import MULTIARCH
from sparklab.owned_units import MANAGED_MARK
from sparklab.templates import block_syntax

DEFAULTS = {
    # The lab user's: IsaacSim/ and IsaacLab/ (Isaac Sim's build needs about 50 GB).
    "isaac_dir": "/opt/isaac",
    "isaac_sim_repo_url": "https://github.com/isaac-sim/IsaacSim.git",
    # "Isaac Sim 6.0.0 GA", 2026-06-04.
    "isaac_sim_ref": "v6.0.0",
    "isaac_sim_commit": "40316786340b3f034a229d9e12650df1ac0b68ab",
    # build.sh's arguments: the release configuration only (the default builds debug too).
    "isaac_sim_build_args": ["--release"],
    "isaac_lab_repo_url": "https://github.com/isaac-sim/IsaacLab.git",
    # "Isaac Lab 3.0 Beta 2", 2026-06-17, "compatible with the latest release of Isaac Sim 6.0".
    "isaac_lab_ref": "v3.0.0-beta2",
    # The tag's commit, checked after the clone (None: the tag is trusted).
    "isaac_lab_commit": None,
    # True once the class accepts https://www.nvidia.com/en-us/agreements/enterprise-software/
    # isaac-sim-additional-software-and-materials-license/ (build.sh's prompt).
    "isaac_accept_eula": False,
    # The playbook's packages (git-lfs; gcc-11/g++-11, beside the default compiler; Isaac Lab's X11 headers for
    # imgui_bundle), make and libgomp (preloaded by the commands).
    "isaac_apt_packages": ["git", "git-lfs", "build-essential", "gcc-11", "g++-11", "libgomp1", "libx11-dev",
                           "libxrandr-dev", "libxinerama-dev", "libxcursor-dev", "libxi-dev", "libgl1-mesa-dev"],
}
# The build's compiler: links to the -11 binaries, first on the build's PATH only.
COMPILER_DIR = "/opt/spark-lab/isaac/gcc-11"
COMPILER_LINKS = {"gcc": "gcc-11", "g++": "g++-11", "cc": "gcc-11", "c++": "g++-11", "cpp": "cpp-11"}
COMMANDS = {"spark-lab-isaac-sim": ("Isaac Sim", "sim"), "spark-lab-isaaclab": ("Isaac Lab", "lab")}


def build_path(isaac_dir: str, arch: str) -> str:
    """Where Isaac Sim's build puts the release (ISAACSIM_PATH): _build/linux-aarch64/release on a Spark."""
    return f"{isaac_dir}/IsaacSim/_build/linux-{MULTIARCH[arch].split('-')[0]}/release"


def _as_user(*args) -> StringCommand:
    return StringCommand("sudo -u", QuoteString(host.data.lab_user), "-H", *args)


def _build_env(*extra: str) -> list:
    """`env` with the build's compiler first on PATH (and CC/CXX), for this command only."""
    return ["env", StringCommand(f"PATH={COMPILER_DIR}:$PATH"), f"CC={COMPILER_DIR}/gcc",
            f"CXX={COMPILER_DIR}/g++", *extra]


def _clone(name: str, url: str, ref: str, commit: str | None, dest: str) -> list[StringCommand]:
    """A fresh `--recursive` clone of ``ref`` (a release tag), checked against ``commit`` when given."""
    commands = [StringCommand("rm -rf", QuoteString(dest)),
                _as_user("git clone -q --depth 1 --recursive --branch", QuoteString(ref), QuoteString(url),
                         QuoteString(dest))]
    if commit:
        commands.append(StringCommand(
            "test", StringCommand('"$(git -c safe.directory=\'*\' -C', QuoteString(dest), 'rev-parse HEAD)"'), "=",
            QuoteString(commit), "|| { echo", QuoteString(f"{name} {ref} is not {commit}"), ">&2; exit 1; }"))
    return commands


def _sim_commands(data, sim: str, release: str) -> list[StringCommand]:
    return [
        StringCommand("install -d -o", QuoteString(data.lab_user), "-g", QuoteString(data.lab_user),
                      QuoteString(data.isaac_dir)),
        *_clone("IsaacSim", data.isaac_sim_repo_url, data.isaac_sim_ref, data.isaac_sim_commit, sim),
        _as_user("git -C", QuoteString(sim), "lfs install --local"),
        _as_user("git -C", QuoteString(sim), "lfs pull"),
        _as_user("touch", QuoteString(f"{sim}/.eula_accepted")),  # isaac_accept_eula: the class accepted it
        StringCommand("cd", QuoteString(sim), "&&",
                      _as_user(*_build_env(), "./build.sh", *(QuoteString(a) for a in data.isaac_sim_build_args))),
        StringCommand("test -x", QuoteString(f"{release}/isaac-sim.sh")),
    ]


def _lab_commands(data, lab: str, release: str, preload: str) -> list[StringCommand]:
    return [
        *_clone("IsaacLab", data.isaac_lab_repo_url, data.isaac_lab_ref, data.isaac_lab_commit, lab),
        _as_user("ln -sfn", QuoteString(release), QuoteString(f"{lab}/_isaac_sim")),
        _as_user("test -x", QuoteString(f"{lab}/_isaac_sim/python.sh")),
        StringCommand("cd", QuoteString(lab), "&&",
                      _as_user(*_build_env(f"LD_PRELOAD={preload}"), "./isaaclab.sh --install")),
    ]


def _absent() -> None:
    for command in COMMANDS:
        files.file(name=f"{command} removed", path=f"{BIN_DIR}/{command}", present=False)
    files.directory(name="Isaac build compiler links removed", path=COMPILER_DIR, present=False)


@deploy("Isaac Sim and Isaac Lab", data_defaults=DEFAULTS)
def isaac():
    data = host.data
    if not track_labs.chosen(knob, track_labs.ISAAC):
        _absent()
        return
    if not static_fact(NvidiaGpus):
        host_secrets.skipped("Isaac Sim and Isaac Lab", "no NVIDIA GPU on this host (`nvidia-smi -L` lists none)")
        return
    if not data.isaac_accept_eula:
        host_secrets.skipped("Isaac Sim and Isaac Lab", "its build needs the Isaac Sim additional software licence "
                             "accepted: read https://www.nvidia.com/en-us/agreements/enterprise-software/"
                             "isaac-sim-additional-software-and-materials-license/ and set isaac_accept_eula: True")
        return
    arch = static_fact(DebArch)
    sim, lab = f"{data.isaac_dir}/IsaacSim", f"{data.isaac_dir}/IsaacLab"
    release, preload = build_path(data.isaac_dir, arch), f"/lib/{MULTIARCH[arch]}/libgomp.so.1"
    apt.packages(name="Isaac build packages (gcc-11 beside the default compiler)", packages=data.isaac_apt_packages)
    files.directory(name="Isaac build compiler links directory", path=COMPILER_DIR, mode="755")
    for link, target in COMPILER_LINKS.items():
        files.link(name=f"Isaac build {link} -> {target}", path=f"{COMPILER_DIR}/{link}", target=f"/usr/bin/{target}")
    sim_pins = f"{data.isaac_sim_ref} {data.isaac_sim_commit} {' '.join(data.isaac_sim_build_args)}"
    when_changed(f"Isaac Sim {data.isaac_sim_ref} built", f"{data.isaac_dir}/.spark-lab-isaac-sim", sim_pins,
                 _sim_commands(data, sim, release))
    when_changed(f"Isaac Lab {data.isaac_lab_ref} installed", f"{data.isaac_dir}/.spark-lab-isaac-lab",
                 f"{sim_pins} | {data.isaac_lab_ref} {data.isaac_lab_commit or ''}".strip(),
                 _lab_commands(data, lab, release, preload))
    for command, (title, which) in COMMANDS.items():
        target = f"{release}/isaac-sim.sh" if which == "sim" else f"{lab}/isaaclab.sh"
        files.template(name=f"{command} command", src="templates/isaac/command.sh.j2", dest=f"{BIN_DIR}/{command}",
                       mode="755", mark=MANAGED_MARK, command=command, title=title, target=target,
                       isaacsim_path=release, preload=preload, jinja_env_kwargs=block_syntax())
