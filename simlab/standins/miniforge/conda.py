#!/usr/bin/python3
"""LAB FIXTURE: stand-in for conda (Miniforge) in the simulated lab, installed as PREFIX/bin/conda by the Miniforge
installer stand-in. Not conda: no solver, no channels, no GPU.

- `conda create -n NAME [-y] [-q] [--override-channels] [-c CHANNEL]... SPEC...` makes PREFIX/envs/NAME a real
  Python venv (this interpreter's) and installs, with pip from the lab wheelhouse (PREFIX/.sparklab-standin.json),
  the real CPU packages standing for the specs it knows (PIP_FOR: RAPIDS -> pandas, scikit-learn) and the stand-in
  modules `cudf` (pandas) and `cuml` (scikit-learn); it says which specs it leaves out (CUDA, Python pins, ...).
- `conda run -n NAME CMD...` runs CMD from the environment's bin/ (CONDA_PREFIX, CONDA_DEFAULT_ENV set).
- `conda env list` / `conda info --envs`, `conda env remove -n NAME`, `conda --version`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PREFIX = Path(__file__).resolve().parent.parent
CONFIG = PREFIX / ".sparklab-standin.json"
MODULES = PREFIX / "share" / "sparklab-standin"
# Specs (by package name) the stand-in installs: real CPU packages from the lab wheelhouse, and stand-in modules.
PIP_FOR = {"rapids": ["pandas==2.3.2", "scikit-learn==1.7.1"], "cudf": ["pandas==2.3.2"],
           "cuml": ["scikit-learn==1.7.1"], "pandas": ["pandas==2.3.2"], "scikit-learn": ["scikit-learn==1.7.1"]}
STANDIN_MODULES = {"rapids": ["cudf", "cuml"], "cudf": ["cudf"], "cuml": ["cuml"]}


def config() -> dict:
    return json.loads(CONFIG.read_text())


def env_dir(name: str | None, path: str | None) -> Path:
    if path:
        return Path(path)
    if not name:
        sys.exit("CondaValueError: either -n NAME or -p PREFIX option required (stand-in)")
    return PREFIX if name == "base" else PREFIX / "envs" / name


def spec_name(spec: str) -> str:
    return re.split(r"[=<>!~ \[]", spec.split("::")[-1], maxsplit=1)[0].lower()


def create(args) -> int:
    env = env_dir(args.name, args.prefix)
    if env == PREFIX:
        sys.exit("CondaValueError: 'base' is a reserved environment name (stand-in)")
    if env.exists():
        if not args.yes:
            sys.exit(f"CondaSystemExit: {env} exists; the stand-in replaces it only with -y")
        shutil.rmtree(env)
    print(f"stand-in conda: environment {env} from channels {', '.join(args.channel) or '(defaults)'}")
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    pip, modules, skipped = [], [], []
    for spec in args.specs:
        name = spec_name(spec)
        if name in PIP_FOR:
            pip += [p for p in PIP_FOR[name] if p not in pip]
            modules += [m for m in STANDIN_MODULES.get(name, []) if m not in modules]
        else:
            skipped.append(spec)
    if pip:
        print(f"stand-in conda: pip install {' '.join(pip)} (real, CPU) from the lab wheelhouse")
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *config()["pip_args"], *pip], check=True)
    if modules:
        site = next((env / "lib").glob("python3*/site-packages"))
        for module in modules:
            shutil.copytree(MODULES / module, site / module)
        print(f"stand-in conda: {', '.join(modules)}: stand-in modules (pandas / scikit-learn on the CPU)")
    if skipped:
        print(f"stand-in conda: not installed (conda-only or needs CUDA): {' '.join(skipped)}")
    (env / "conda-meta").mkdir(exist_ok=True)
    (env / "conda-meta" / "history").write_text(f"# cmd: conda create {' '.join(sys.argv[2:])}\n")
    return 0


def run(args) -> int:
    env = env_dir(args.name, args.prefix)
    if not (env / "conda-meta").is_dir():
        sys.exit(f"EnvironmentLocationNotFound: Not a conda environment: {env}")
    if not args.command:
        sys.exit("conda run: no command given (stand-in)")
    path = f"{env / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    environ = {**os.environ, "PATH": path, "CONDA_PREFIX": str(env),
               "CONDA_DEFAULT_ENV": args.name or str(env)}
    program = shutil.which(args.command[0], path=path)
    if program is None:
        sys.exit(f"conda run: {args.command[0]}: command not found in {env}")
    os.execve(program, [program, *args.command[1:]], environ)


def envs() -> list[Path]:
    return [PREFIX, *sorted(p for p in (PREFIX / "envs").iterdir() if (p / "conda-meta").is_dir())]


def env_list(_args) -> int:
    print("# conda environments (stand-in):\n#")
    for env in envs():
        print(f"{'base' if env == PREFIX else env.name:<25} {env}")
    return 0


def env_remove(args) -> int:
    env = env_dir(args.name, args.prefix)
    if not (env / "conda-meta").is_dir():
        sys.exit(f"EnvironmentLocationNotFound: Not a conda environment: {env}")
    shutil.rmtree(env)
    print(f"Remove all packages in environment {env}: done (stand-in)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="conda", description="stand-in for conda (simulated lab)")
    top.add_argument("--version", "-V", action="store_true")
    sub = top.add_subparsers(dest="command_name")

    def target(p):
        p.add_argument("-n", "--name")
        p.add_argument("-p", "--prefix")

    p = sub.add_parser("create")
    target(p)
    p.add_argument("-y", "--yes", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--override-channels", action="store_true")
    p.add_argument("-c", "--channel", action="append", default=[])
    p.add_argument("specs", nargs="*")
    p.set_defaults(func=create)
    p = sub.add_parser("run")
    target(p)
    p.add_argument("--no-capture-output", "--live-stream", action="store_true")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)
    p = sub.add_parser("info")
    p.add_argument("-e", "--envs", action="store_true")
    p.set_defaults(func=env_list)
    env = sub.add_parser("env").add_subparsers(dest="env_command", required=True)
    env.add_parser("list").set_defaults(func=env_list)
    p = env.add_parser("remove")
    target(p)
    p.add_argument("-y", "--yes", action="store_true")
    p.set_defaults(func=env_remove)
    return top


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.version:
        print(f"conda {config()['conda_version']} (sparklab stand-in)")
        return 0
    if not getattr(args, "func", None):
        parser().print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
