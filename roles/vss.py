"""Lab 5B-3, Video Search and Summarization (levels-3-5.md §5B-3): NVIDIA's VSS blueprint at tag v3.2.0 as the
on-demand heavy unit `lab-vss`, which runs the playbook's line `deploy/docker/scripts/dev-profile.sh up -p base
-H DGX-SPARK --use-remote-llm --llm <model>` and, to stop, its `down`.

- The checkout is at the tag the playbook names (root's, `git lfs pull` once per tag). The tag's commit could not
  be read here (the repository is too large to snapshot); `vss_commit` pins it when known, a tag can be moved.
- `dev-profile.sh up` writes its env file, logs in to nvcr.io, then runs `docker compose … up --detach` and
  returns, so the unit is a oneshot that stays active (RemainAfterExit); ExecStop is the playbook's `down`, which
  also deletes the blueprint's volumes and data directory (uploaded videos): stopping the lab is a teardown.
  It runs as root: the script writes under the checkout and, in the snapshots read, kernel settings.
- Heavy: RT-VLM asks for 0.7 of the GPU memory by default (VSS PR #1743). Starting it stops every other heavy
  workload (vLLM at boot, the chatbot, FLUX), and it is never started at boot.
- Secrets: NGC_CLI_API_KEY (`secrets.ngc_api_key`, the script's image pulls), HF_TOKEN (`secrets.hf_token`, the
  base profile's VA-MCP), LLM_ENDPOINT_URL (`vss_llm_endpoint_url`) and, when the inventory has it, NVIDIA_API_KEY
  (build.nvidia.com endpoints) reach the script through a 0600 env file; without one the lab is skipped.
- The LLM is remote in every playbook scenario. Level 2's vLLM on the same Spark is not a sound default: it is
  a heavy workload, stopped when VSS starts (one at a time; both want most of the 128 GB). So the endpoint is
  required: another Spark's vLLM (`http://spark-2:8000`), or `https://integrate.api.nvidia.com` with
  `secrets.nvidia_api_key`.
- The playbook's cache cleaner (a root loop dropping the page cache every 3 s, started by hand with `sudo -b`
  and left running) is needed on a Spark: the page cache holds unified memory that RT-VLM's vLLM counts as
  taken when it starts (VSS PR #1743: "Free memory … less than desired"). Here it is the unit
  `vss-cache-cleaner`, running only while `lab-vss` runs and never at boot (`vss_cache_cleaner: False` drops
  it). Its cost, dropping the cache of everything else every few seconds, is paid only while the heavy lab runs.

Absent when not chosen: both units (stopping `lab-vss` runs `down`) and the env file go; the checkout (with its LFS
objects) and the pulled images stay.
"""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import apt, files, systemd
from pyinfra.operations.util import any_changed

from roles import knob
from sparklab import host_secrets
from sparklab.builds import when_changed
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.operations import git_checkout, git_tag_checkout
from sparklab.owned_units import MANAGED_MARK, UNIT_DIR, stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit
from sparklab.track_labs import VSS, chosen
from sparklab.workload_plan import heavy_units

DEFAULTS = {
    # The agent UI (HAProxy) of the blueprint.
    "vss_port": 7777,
    "vss_repo_url": "https://github.com/NVIDIA-AI-Blueprints/video-search-and-summarization.git",
    # The playbook's tag, and its commit when known (then checked out by commit: a tag can be moved).
    "vss_tag": "v3.2.0",
    "vss_commit": None,
    "vss_dir": "/opt/video-search-and-summarization",
    # dev-profile.sh's profile and hardware profile (the playbook's base scenario on a Spark).
    "vss_profile": "base",
    "vss_hardware_profile": "DGX-SPARK",
    # The remote LLM: its model name (--llm; the playbook recommends this one) and its OpenAI-compatible base URL
    # (LLM_ENDPOINT_URL). No default: see above.
    "vss_llm_model": "nvidia/nvidia-nemotron-nano-9b-v2",
    "vss_llm_endpoint_url": None,
    # The playbook's cache cleaner while VSS runs, and its interval in seconds.
    "vss_cache_cleaner": True,
    "vss_cache_cleaner_interval": 3,
}
CLEANER = "vss-cache-cleaner"
SECRETS = {"NGC_CLI_API_KEY": "ngc_api_key", "HF_TOKEN": "hf_token"}


def env_path(name: str) -> str:
    return f"{host_secrets.SECRETS_DIR}/{name}.env"


def _skip_reason() -> str | None:
    if not static_fact(NvidiaGpus):
        return "needs an NVIDIA GPU (dev-profile.sh checks that it is the hardware profile's)"
    for secret in SECRETS.values():
        if why := host_secrets.missing(secret):
            return f"needs secrets.{secret}: {why}"
    if not knob("vss_llm_endpoint_url"):
        return ("needs vss_llm_endpoint_url, an OpenAI-compatible LLM off this Spark (another Spark's vLLM, or "
                "https://integrate.api.nvidia.com with secrets.nvidia_api_key): this Spark's vLLM stops when VSS "
                "starts")
    return None


def _env() -> str:
    values = {var: host_secrets.read(secret, "VSS") for var, secret in SECRETS.items()}
    values["LLM_ENDPOINT_URL"] = knob("vss_llm_endpoint_url")
    if key := host_secrets.optional("nvidia_api_key"):
        values["NVIDIA_API_KEY"] = key
    return "\n".join(f"{var}={value}" for var, value in sorted(values.items()))


def _checkout(data):
    if data.vss_commit:
        return git_checkout(name=f"VSS blueprint at {data.vss_commit[:12]}", src=data.vss_repo_url,
                            dest=data.vss_dir, commit=data.vss_commit)
    return git_tag_checkout(name=f"VSS blueprint at {data.vss_tag}", src=data.vss_repo_url, dest=data.vss_dir,
                            tag=data.vss_tag)


def _cache_cleaner(name: str, interval: int) -> None:
    """The cleaner's unit file (no [Install]: started only by `name`'s Wants=), systemd reloaded on change."""
    written = files.template(
        name=f"{CLEANER} unit (only while {name} runs)", src="templates/vss/cache-cleaner.service.j2",
        dest=f"{UNIT_DIR}/{CLEANER}.service", mode="644", mark=MANAGED_MARK, vss=name, interval=interval,
        saved=f"/run/{CLEANER}.nr_hugepages")
    systemd.daemon_reload(name=f"systemd reloaded ({CLEANER})", _if=any_changed(written))


@deploy("VSS", data_defaults=DEFAULTS)
def vss():
    data = host.data
    name = unit(VSS)
    if not chosen(knob, VSS):
        units_absent([*stale_units(name, []), *stale_units(CLEANER, [])], {name: [env_path(name)]})
        return
    why = _skip_reason()
    if why:
        host_secrets.skipped("VSS", why)
        return
    env_op = host_secrets.put(name, _env(), dest=env_path(name))
    apt.packages(name="git and Git LFS", packages=["git", "git-lfs"])
    checkout = _checkout(data)
    pin = data.vss_commit or data.vss_tag
    git = StringCommand("git -C", QuoteString(data.vss_dir))
    lfs = when_changed("VSS Git LFS objects", f"{data.vss_dir}/.git/spark-lab-lfs", pin,
                       [StringCommand(git, "lfs install --local"), StringCommand(git, "lfs pull")])
    if data.vss_cache_cleaner:
        _cache_cleaner(name, data.vss_cache_cleaner_interval)
    else:
        units_absent(stale_units(CLEANER, []))
    script = f"{data.vss_dir}/deploy/docker/scripts/dev-profile.sh"
    unit_owning(
        name, description=f"VSS blueprint {pin} ({data.vss_profile}, {data.vss_hardware_profile}) on port "
        f"{data.vss_port} (spark-lab)", kind="detached", boot=False, working_directory=data.vss_dir,
        env_file=env_path(name),
        exec_start=[script, "up", "-p", data.vss_profile, "-H", data.vss_hardware_profile, "--use-remote-llm",
                    "--llm", data.vss_llm_model],
        exec_stop=[script, "down"], conflicts=[u for u in heavy_units(knob) if u != name],
        wants=[CLEANER] if data.vss_cache_cleaner else [],
        restart_when=[env_op, checkout, *([lfs] if lfs else [])])
