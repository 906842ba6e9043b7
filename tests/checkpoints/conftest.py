"""Checkpoint runner: `pytest tests/checkpoints --inventory FILE --level N`.

Hosts and SSH settings come from the pyinfra inventory itself (no second host list). Every item
runs once per host and is reported per host as PASS, FAIL or N/A with the reason.
"""

import json
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
import testinfra

from sparklab import rag_labs, track_labs
from sparklab.checkpoints import NOT_APPLICABLE
from sparklab.engine_instances import instances_of
from sparklab.inventory import load_lab
from sparklab.sshconfig import ssh_config_text

# Items about the whole inventory are reported in this column; items checked once per cluster (they need the
# nodes together) in a column named after the cluster (an inventory's unnamed cluster is "lab" too).
LAB_COLUMN = "lab"
# Parameters that make one item per engine or per lab (the host is the column).
PER_ITEM = ("engine", "rag_lab", "track_lab", "strategy", "env", "finetune_env")


def pytest_configure(config):
    config.addinivalue_line("markers", "level(n): the curriculum level a checkpoint module belongs to")
    inventory = config.getoption("--inventory")
    if not inventory:
        return
    lab = load_lab(inventory)
    config_dir = Path(tempfile.mkdtemp(prefix="spark-lab-checkpoints-"))
    (config_dir / "ssh_config").write_text(ssh_config_text(lab, control_dir=config_dir))
    config._spark_lab = lab
    config._spark_ssh_config = str(config_dir / "ssh_config")
    config._spark_results = defaultdict(dict)


def pytest_collection_modifyitems(config, items):
    level = config.getoption("--level")
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("level")
        (drop if marker and marker.args[0] > level else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_generate_tests(metafunc):
    lab = metafunc.config._spark_lab
    if "engine" in metafunc.fixturenames:  # per-engine items: every engine any host of the inventory enables
        names = sorted({i.name for h in lab.hosts for i in instances_of(h.setting)})
        metafunc.parametrize("engine", names, ids=names, scope="module")
    if "rag_lab" in metafunc.fixturenames:  # per-lab items of level 3: every lab any host enables
        names = sorted({w.name for h in lab.hosts for w in rag_labs.workloads(h.setting)})
        metafunc.parametrize("rag_lab", names, ids=names, scope="module")
    if "track_lab" in metafunc.fixturenames:  # per-lab items of level 5: every lab of the tracks any host chooses
        names = [name for name in track_labs.LABS if any(name in track_labs.chosen_labs(h.setting) for h in lab.hosts)]
        metafunc.parametrize("track_lab", names, ids=names, scope="module")
    if "spark" in metafunc.fixturenames:
        names = [h.name for h in lab.hosts]
        metafunc.parametrize("spark", names, indirect=True, ids=names, scope="module")
    if "cluster" in metafunc.fixturenames:  # once per QSFP cluster; one N/A item when the inventory has none
        names = [c.name for c in lab.clusters] or [None]
        metafunc.parametrize("cluster", names, indirect=True, ids=[n or LAB_COLUMN for n in names], scope="module")


@pytest.fixture(scope="module")
def spark(request):
    """The inventory's model of the host under check (HostConfig)."""
    return request.config._spark_lab.host(request.param)


def _testinfra_host(config, spark):
    """testinfra host for a spark, connected as the inventory's ssh_user (sudo as it says)."""
    return testinfra.get_host(f"ssh://{spark.name}", ssh_config=config._spark_ssh_config,
                              sudo=bool(spark.knobs.get("_sudo")))


@pytest.fixture(scope="module")
def host(request, spark):
    return _testinfra_host(request.config, spark)


@pytest.fixture(scope="session")
def lab(request):
    """The whole inventory, for items checked once per lab."""
    return request.config._spark_lab


@pytest.fixture(scope="module")
def cluster(request):
    """The QSFP cluster under check (sparklab.clusters.Cluster), or None when the inventory has none."""
    return request.config._spark_lab.cluster(request.param) if request.param else None


@pytest.fixture(scope="session")
def hosts(request, lab):
    return {spark.name: _testinfra_host(request.config, spark) for spark in lab.hosts}


@pytest.fixture(scope="session")
def inventory(request):
    return request.config.getoption("--inventory")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not hasattr(item.config, "_spark_results"):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        params = getattr(getattr(item, "callspec", None), "params", {})
        spark = params.get("spark") or params.get("cluster") or LAB_COLUMN
        name = item.originalname + "".join(f"[{params[key]}]" for key in PER_ITEM if key in params)
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            status = "N/A (" + reason.removeprefix("Skipped: ").removeprefix(NOT_APPLICABLE) + ")"
        elif report.passed:
            status = "PASS"
        else:
            status = f"FAIL ({failure_reason(report)})"
        item.config._spark_results[name][spark] = status


def failure_reason(report) -> str:
    """The first line of the assertion message (or of the error) that failed an item."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash else str(report.longrepr)
    first = next((line.strip() for line in message.splitlines() if line.strip()), "no message")
    return first.removeprefix("AssertionError: ")


def pytest_terminal_summary(terminalreporter, config):
    results = getattr(config, "_spark_results", None)
    if not results:
        return
    hosts = [h.name for h in config._spark_lab.hosts]
    hosts += [column for column in dict.fromkeys([LAB_COLUMN, *(c.name for c in config._spark_lab.clusters)])
              if any(column in by_host for by_host in results.values())]
    terminalreporter.section("checkpoint items per host")
    width = max(len(n) for n in results)
    for name, by_host in results.items():
        cells = "  ".join(f"{h}: {by_host.get(h, '-')}" for h in hosts)
        terminalreporter.write_line(f"{name:<{width}}  {cells}")
    path = config.getoption("--checkpoint-report")
    if path:
        Path(path).write_text(json.dumps({"hosts": hosts, "items": results}, indent=2))
