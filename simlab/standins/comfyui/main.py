# LAB FIXTURE (sparklab simulated lab): stand-in of comfyanonymous/ComfyUI's main.py.
"""``python main.py [--listen [IP[,IP]]] [--port 8188] [--cpu]``, run from the checkout like ComfyUI (aiohttp and a
diffusion stack there; the Python stdlib and the venv's torch here). No node runs and no image is generated.

Routes, also under /api as ComfyUI serves them: ``GET /`` (a page), ``/system_stats`` (ComfyUI's shape:
``system.comfyui_version``, ``python_version``, ``pytorch_version``, ``devices``), ``/object_info`` and
``/object_info/CheckpointLoaderSimple`` (the one loader node, its choices the files in models/checkpoints/),
``/models`` and ``/models/checkpoints``. Like ComfyUI it imports torch when it starts (the venv's: the deploy's
install is what it runs on) and, without --cpu, needs torch with CUDA. ``--listen`` alone listens on every
address; unknown flags are ignored, with a line on stderr. SIGTERM exits 0."""
from __future__ import annotations

import argparse
import http.server
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from comfyui_version import __version__

ROOT = Path(__file__).resolve().parent
# ComfyUI's folder_paths.supported_pt_extensions
EXTENSIONS = {".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"}
FOLDERS = ("checkpoints", "loras", "vae", "text_encoders", "diffusion_models", "embeddings")
PAGE = (b"<!doctype html><title>ComfyUI (stand-in)</title><h1>ComfyUI stand-in</h1>"
        b"<p>LAB FIXTURE of the simulated lab: no nodes run, no image is generated.</p>\n")


def parse_args(argv=None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python main.py", description="ComfyUI (stand-in)")
    parser.add_argument("--listen", type=str, default="127.0.0.1", metavar="IP", nargs="?", const="0.0.0.0,::")
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--cpu", action="store_true")
    return parser.parse_known_args(argv)


def models(folder: str) -> list[str]:
    """The model files of models/<folder>/, as ComfyUI lists them (sorted, its placeholder files left out)."""
    path = ROOT / "models" / folder
    if not path.is_dir():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and p.suffix in EXTENSIONS)


def memory() -> tuple[int, int]:
    """Total and available RAM in bytes (/proc/meminfo)."""
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info[key] = int(value.split()[0]) * 1024
    return info["MemTotal"], info.get("MemAvailable", info["MemFree"])


def device(torch, cpu: bool) -> dict:
    """The device ComfyUI would use: the CPU with --cpu, else CUDA's first device (SystemExit without one)."""
    if cpu:
        total, free = memory()
        return {"name": "cpu", "type": "cpu", "index": None, "vram_total": total, "vram_free": free,
                "torch_vram_total": total, "torch_vram_free": free}
    if not torch.cuda.is_available():
        raise SystemExit("AssertionError: Torch not compiled with CUDA enabled (use --cpu on a host without a GPU)")
    free, total = torch.cuda.mem_get_info(0)
    return {"name": f"cuda:0 {torch.cuda.get_device_name(0)}", "type": "cuda", "index": 0, "vram_total": total,
            "vram_free": free, "torch_vram_total": 0, "torch_vram_free": 0}


def system_stats(torch, cpu: bool) -> dict:
    total, free = memory()
    return {"system": {"os": os.name, "ram_total": total, "ram_free": free, "comfyui_version": __version__,
                       "python_version": sys.version, "pytorch_version": torch.__version__,
                       "embedded_python": False, "argv": sys.argv},
            "devices": [device(torch, cpu)]}


def object_info() -> dict:
    """ComfyUI's node description of its checkpoint loader, the one node here."""
    return {"CheckpointLoaderSimple": {
        "input": {"required": {"ckpt_name": [models("checkpoints"), {"tooltip": "The name of the checkpoint"}]}},
        "input_order": {"required": ["ckpt_name"]}, "output": ["MODEL", "CLIP", "VAE"],
        "output_is_list": [False, False, False], "output_name": ["MODEL", "CLIP", "VAE"],
        "name": "CheckpointLoaderSimple", "display_name": "Load Checkpoint",
        "description": "Loads a diffusion model checkpoint (stand-in: nothing is loaded).", "python_module": "nodes",
        "category": "loaders", "output_node": False}}


def handler(torch, cpu: bool):
    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, ctype: str = "application/json"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, value, status: int = 200):
            self._send(status, json.dumps(value).encode())

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            path = path[4:] or "/" if path.startswith("/api/") or path == "/api" else path
            if path in ("/", "/index.html"):
                self._send(200, PAGE, "text/html; charset=utf-8")
            elif path == "/system_stats":
                self._json(system_stats(torch, cpu))
            elif path == "/object_info":
                self._json(object_info())
            elif path.startswith("/object_info/"):
                self._json({k: v for k, v in object_info().items() if k == path.split("/", 2)[2]})
            elif path == "/models":
                self._json(list(FOLDERS))
            elif path.startswith("/models/") and path.split("/", 2)[2] in FOLDERS:
                self._json(models(path.split("/", 2)[2]))
            else:
                self._send(404, b"404: Not Found", "text/plain; charset=utf-8")

        do_HEAD = do_GET

        def log_message(self, format, *args):
            print(f"comfyui: {self.address_string()} {format % args}", file=sys.stderr, flush=True)

    return Handler


def servers(addresses: str, port: int, handler_class) -> list[http.server.ThreadingHTTPServer]:
    """One server per address of --listen (IPv6 ones v6-only, so 0.0.0.0 and :: can both listen)."""
    found = []
    for address in (a.strip() for a in addresses.split(",") if a.strip()):
        v6 = ":" in address

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if v6 else socket.AF_INET
            daemon_threads = True

            def server_bind(self):
                if v6:
                    self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                super().server_bind()

        found.append(Server((address, port), handler_class))
    return found


def main(argv=None) -> int:
    args, unknown = parse_args(argv)
    if unknown:
        print(f"comfyui: stand-in ignores {' '.join(unknown)}", file=sys.stderr, flush=True)
    import torch  # as ComfyUI does, at start: without the venv's torch it does not start

    device(torch, args.cpu)
    listening = servers(args.listen, args.port, handler(torch, args.cpu))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    for server in listening[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"comfyui stand-in {__version__} (torch {torch.__version__}) on port {args.port}: "
          f"{', '.join(models('checkpoints')) or 'no checkpoint'} (LAB FIXTURE)", file=sys.stderr, flush=True)
    try:
        listening[0].serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for server in listening:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
