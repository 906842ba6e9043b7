"""Level 5 checkpoint — specialisation tracks: each lab of the chosen tracks present at its pins, its unit installed
on demand, and with --exercise started, answering its health routes (ComfyUI's /system_stats, marimo, JupyterLab,
Live VLM over HTTPS), refusing what comes without its token, and stopped again; the labs' functional checks
(RAPIDS imports, `jax.devices()`, Live VLM's model in level 2's Ollama); and last the curriculum's own item,
"completed at least 2 tracks"."""

import pytest

from sparklab import lab_switch, track_checks, track_labs
from sparklab.checkpoints import has_gpu, not_applicable
from sparklab.workload_plan import workloads_of

pytestmark = pytest.mark.level(5)

# Routes of the token-protected labs that must refuse a request without the token (the health routes answer
# without one: Jupyter's /api, marimo's /health).
TOKEN_ROUTES = {track_labs.JAX: "/", track_labs.PORTFOLIO: "/api/status", track_labs.SINGLE_CELL: "/api/status"}
# Labs with no authentication of their own: they must listen on loopback only (reached through `ssh -L`).
LOOPBACK_ONLY = (track_labs.COMFYUI, track_labs.FLUX_COMFYUI, track_labs.LIVE_VLM)
# Items a lab must pass for its track to count as verified (the exercise only when the run has --exercise).
LAB_ITEMS = ("test_track_lab_is_at_its_pins", "test_track_lab_starts_answers_and_stops",
             "test_track_lab_functional_check")


@pytest.fixture
def chosen(host, spark, track_lab):
    """The lab under check, or N/A where this host's data does not choose it, a secret it needs is missing, or it
    needs a GPU the host does not have: the deploy skipped it too."""
    if track_lab not in track_labs.chosen_labs(spark.setting):
        not_applicable(f"{track_lab} is not among this host's tracks")
    missing = [(s, why) for s in track_labs.SECRETS.get(track_lab, ()) if (why := spark.missing_secret(s))]
    if missing:
        not_applicable(f"skipped by the deploy: needs {missing[0][0]} ({missing[0][1]})")
    if track_lab in track_labs.GPU_ONLY and not has_gpu(host):
        not_applicable(f"skipped by the deploy: {track_lab} builds on GPU hosts only")
    if why := track_checks.skipped_by_data(spark.setting, track_lab):
        not_applicable(f"skipped by the deploy: {why}")
    return track_lab


def _services(spark, lab: str):
    """The workloads a lab runs (FLUX has two: its ComfyUI and its training job)."""
    names = {track_labs.FLUX: (track_labs.FLUX_COMFYUI, track_labs.FLUX_TRAIN)}.get(lab, (lab,))
    return [w for w in track_labs.workloads(spark.setting) if w.name in names]


def _run(host):
    def run(command: str) -> tuple[int, str]:
        result = host.run(command)
        return result.rc, result.stdout + result.stderr
    return run


def test_track_lab_is_at_its_pins(host, spark, chosen):
    problem = track_checks.pin_problem(_run(host), spark.setting, chosen)
    assert problem is None, problem


def test_track_lab_unit_is_installed_on_demand(host, spark, chosen):
    services = _services(spark, chosen)
    if not services:
        not_applicable(f"{chosen} is an environment a student runs by hand: no unit")
    for workload in services:
        assert host.file(f"/etc/systemd/system/{workload.unit}.service").exists, f"no unit {workload.unit}"
        enabled = host.service(workload.unit).is_enabled
        assert enabled == workload.boot, f"{workload.unit} enabled={enabled}, data says boot={workload.boot}"


def _refusals(run, workload) -> list[str]:
    """What answers without its token, or listens beyond loopback without one."""
    port = next(iter(workload.ports), None)
    if workload.name in TOKEN_ROUTES:
        code = run(f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 10 "
                   f"http://127.0.0.1:{port}{TOKEN_ROUTES[workload.name]}")[1].strip()
        return [] if code in ("401", "403") or code.startswith("3") else [
            f"{workload.name} answers {TOKEN_ROUTES[workload.name]} without its token (HTTP {code})"]
    if workload.name in LOOPBACK_ONLY:
        listening = run(f"ss -ltnH 'sport = :{port}'")[1].split()
        beyond = [a for a in listening if a.endswith(f":{port}") and not a.startswith(("127.", "[::1]"))]
        return [f"{workload.name} has no token and listens on {', '.join(beyond)}"] if beyond else []
    return []


def test_track_lab_starts_answers_and_stops(request, host, spark, chosen):
    """--exercise: start each of the lab's services (a heavy one stops the others), wait for its health routes,
    find it refusing what comes without its token, stop it, and find the boot workloads running again."""
    if not request.config.getoption("--exercise"):
        not_applicable("starting labs takes minutes: run the checkpoint with --exercise")
    services = [w for w in _services(spark, chosen) if w.health]
    if not services:
        not_applicable(f"{chosen} has no service to start (its functional check runs it)")
    workloads, run, problems = workloads_of(spark.setting), _run(host), []
    for workload in services:
        started = lab_switch.start(run, workload, workloads, timeout=900)
        problems += [f"{workload.name} start: {p}" for p in started.problems]
        if not started.problems:
            problems += _refusals(run, workload)
        problems += [f"{workload.name} stop: {p}" for p in lab_switch.stop(run, workload, workloads, 900).problems]
    down = [w.name for w in workloads if w.boot and w.unit and lab_switch.unit_state(run, w.unit) != "active"]
    assert not problems and not down, "; ".join(problems[:6] + [f"boot workloads down: {', '.join(down)}"] * bool(down))


def test_track_lab_functional_check(host, spark, chosen):
    """The lab's own check beyond its routes: RAPIDS imports cudf and cuml, JAX lists its devices (a CUDA device on
    a Spark), Live VLM's model is in level 2's Ollama."""
    check = track_checks.functional(spark.setting, chosen, has_gpu(host))
    if check is None:
        not_applicable(f"{chosen}: its health routes are its check (--exercise)")
    result = host.run(check.command)
    output = (result.stdout + result.stderr).strip()
    assert result.rc == 0, f"{check.what}: exit {result.rc}: {output[-400:]}"
    assert check.expect.lower() in result.stdout.lower(), f"{check.what}: printed {output[-300:]!r}"


def test_at_least_two_tracks_installed_and_verified(request, lab):
    """The curriculum's level-5 checkpoint, "completed at least 2 tracks", per host: a track counts when every one
    of its chosen labs passed its items above in this run (N/A does not count; without --exercise the start item
    is not required). Run the whole level-5 checkpoint for this item to see them."""
    results = request.config._spark_results
    items = [i for i in LAB_ITEMS if request.config.getoption("--exercise") or "starts" not in i]

    def verified(spark, lab_name: str) -> bool:
        """Its pins PASS (a lab the deploy skipped is N/A there) and no other item failed or was left out."""
        status = {item: results.get(f"{item}[{lab_name}]", {}).get(spark.name, "not run") for item in items}
        return status[LAB_ITEMS[0]] == "PASS" and all(s == "PASS" or s.startswith("N/A (") for s in status.values())

    short = {}
    for spark in lab.hosts:
        labs = track_labs.chosen_labs(spark.setting)
        done = [track for track in track_labs.chosen_tracks(spark.setting)
                if all(verified(spark, name) for name in track_labs.TRACKS[track] if name in labs)]
        if len(done) < track_labs.TRACKS_TO_COMPLETE:
            short[spark.name] = done
    assert not short, "; ".join(f"{name}: {len(done)} verified track(s) {done}, {track_labs.TRACKS_TO_COMPLETE} "
                                "needed" for name, done in short.items())
