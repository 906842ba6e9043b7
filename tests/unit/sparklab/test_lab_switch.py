"""Starting and stopping workloads against a scripted host: conflicts reported, health waited for, boot
workloads brought back, failures named."""

from sparklab import lab_switch
from sparklab.workloads import Route, Workload

VLLM = Workload("vllm", "engine-vllm", heavy=True, boot=True, health=(Route(8000, "/health"),))
CHATBOT = Workload("chatbot", "lab-chatbot", heavy=True, boot=False,
                   health=(Route(8100, "/available_models", expect="gpt-oss-120b"),), tunnels={3000: 3000, 8000: 8100})
ALL = [VLLM, CHATBOT]


class FakeHost:
    """systemd and curl as a dict: unit -> state; a started heavy unit stops the other heavy ones."""

    def __init__(self, active: set[str], bodies: dict[str, str]):
        self.active, self.bodies, self.commands = set(active), bodies, []

    def __call__(self, command: str) -> tuple[int, str]:
        self.commands.append(command)
        word = command.split()
        if word[:2] == ["systemctl", "show"]:
            unit = word[-1].removesuffix(".service")
            return 0, "loaded\n" + ("active" if unit in self.active else "inactive") + "\n"
        if word[:2] == ["systemctl", "start"]:
            unit = word[2].removesuffix(".service")
            if unit == "lab-chatbot":
                self.active.discard("engine-vllm")
            self.active.add(unit)
            return 0, ""
        if word[:2] == ["systemctl", "stop"]:
            self.active.discard(word[2].removesuffix(".service"))
            return 0, ""
        if word[0] == "curl":
            url = word[-1]
            port = int(url.split(":")[2].split("/")[0])
            unit = {8000: "engine-vllm", 8100: "lab-chatbot"}[port]
            return (0, self.bodies.get(url, "ok")) if unit in self.active else (7, "curl: (7) refused")
        raise AssertionError(command)


def test_start_reports_the_heavy_workload_it_stops_and_waits_for_health():
    host = FakeHost({"engine-vllm"}, {"http://127.0.0.1:8100/available_models": '{"models":["gpt-oss-120b"]}'})
    switch = lab_switch.start(host, CHATBOT, ALL, timeout=5)
    assert switch.ok and switch.stopped == ["vllm"] and host.active == {"lab-chatbot"}


def test_stop_brings_the_boot_workloads_back():
    host = FakeHost({"lab-chatbot"}, {})
    switch = lab_switch.stop(host, CHATBOT, ALL, timeout=5)
    assert switch.ok and switch.started == ["vllm"] and host.active == {"engine-vllm"}


def test_a_route_without_its_expected_text_is_not_healthy():
    host = FakeHost({"engine-vllm"}, {"http://127.0.0.1:8100/available_models": '{"models":["gpt-oss-20b"]}'})
    host("systemctl start lab-chatbot.service")
    ticks = iter(range(100))
    problems = lab_switch.wait_healthy(host, CHATBOT, timeout=3, clock=lambda: next(ticks), sleep=lambda s: None)
    assert problems == ["http://127.0.0.1:8100/available_models: answers without 'gpt-oss-120b'"]


def test_tunnel_line_maps_the_hard_coded_websocket_port():
    assert lab_switch.tunnel_line(CHATBOT, "root@10.99.0.11") == \
        "ssh -L 3000:localhost:3000 -L 8000:localhost:8100 root@10.99.0.11"
    assert lab_switch.tunnel_line(VLLM, "nvidia@spark-1") == "ssh -L 8000:localhost:8000 nvidia@spark-1"


def test_room_for_a_gpu_job_stops_every_running_heavy_workload_and_restore_brings_boot_ones_back():
    light = Workload("open-webui", "open-webui", boot=True)
    host = FakeHost({"engine-vllm", "open-webui"}, {})
    room = lab_switch.make_room(host, [*ALL, light])
    assert room.ok and room.stopped == ["vllm"] and host.active == {"open-webui"}
    restored = lab_switch.restore(host, [*ALL, light], timeout=5)
    assert restored.ok and restored.started == ["vllm"] and host.active == {"engine-vllm", "open-webui"}
    assert lab_switch.make_room(host, [CHATBOT]).stopped == []  # nothing heavy running: nothing stopped
