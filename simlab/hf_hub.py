"""The lab's stand-in Hugging Face Hub: a stdlib HTTP server answering as huggingface.co does for the clients'
``HF_ENDPOINT`` (huggingface_hub's ``hf_hub_download`` / ``snapshot_download``, the ``hf`` CLI, transformers'
``from_pretrained``, datasets' ``load_dataset``), over the repositories ``simlab.mirror.hf_repos.build_hub`` wrote
under ROOT (``ROOT/index.json``, ``ROOT/<type>s/<org>/<name>/<file>``; re-read when the mirror is rebuilt).

    python3 -m simlab.hf_hub --bind 10.99.0.1 --port 8081 --root $STATE/mirror/hub

Routes (``<type>s`` is ``models`` or ``datasets``; REV is ``main`` or the repo's commit sha):

- ``GET /api/<type>s/ORG/NAME[/revision/REV]``: repo info (``sha``, ``siblings``, ``gated``, ...);
- ``GET /api/<type>s/ORG/NAME/tree/REV[/PATH][?recursive=1]``, ``POST .../paths-info/REV``: files and folders;
- ``HEAD|GET /ORG/NAME/resolve/REV/FILE`` and ``/datasets/ORG/NAME/resolve/REV/FILE``: the file, with
  ``X-Repo-Commit``, ``ETag`` (git blob id, or the sha256 for LFS files with ``X-Linked-Etag``/``X-Linked-Size``),
  ``Content-Length``, byte ranges; no ``X-Xet-Hash``, so clients use plain HTTP;
- ``GET /api/whoami-v2``: the lab user, for any ``Authorization: Bearer hf_...``.

Errors carry the Hub's ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``, ``GatedRepo``):
a gated repo's files answer 401 without a bearer token ``hf_...``; a token of another shape is refused (401).
LAB FIXTURE: stdlib only; no uploads, no Xet, no CDN redirects.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_API = re.compile(r"^/api/(models|datasets|spaces)/([^/]+/[^/]+)(?:/(revision|tree|paths-info)/([^/]+)(/.*)?)?/?$")
_RESOLVE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class Hub:
    """The index (``ROOT/index.json``), re-read when its mtime changes (a rebuilt mirror renames ROOT in)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._stamp = None
        self._index: dict = {"repos": {}}

    def index(self) -> dict:
        path = self.root / "index.json"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            return {"repos": {}}
        if stamp != self._stamp:
            self._index = json.loads(path.read_text())
            self._stamp = stamp
        return self._index

    def repo(self, kind: str, repo_id: str) -> dict | None:
        return self.index()["repos"].get(f"{kind}/{repo_id}")


class HubError(Exception):
    def __init__(self, status: int, code: str | None, message: str, commit: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.commit = status, code, message, commit


def _token(headers) -> str | None:
    auth = headers.get("Authorization") or ""
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _check_token(headers) -> str | None:
    token = _token(headers)
    if token is not None and not token.startswith("hf_"):
        raise HubError(401, None, "Invalid credentials in Authorization header")
    return token


def _folders(files: dict) -> set[str]:
    return {str(Path(p).parents[i]) for p in files for i in range(len(Path(p).parents) - 1)}


def _tree_entries(repo: dict, base: str, recursive: bool) -> list[dict]:
    files, folders = repo["files"], _folders(repo["files"])
    prefix = f"{base}/" if base else ""
    if base and base not in folders:
        raise HubError(404, "EntryNotFound", f"{base} does not exist on \"{repo['sha']}\"", repo["sha"])
    out = []
    for path in sorted(folders):
        rest = path[len(prefix):] if path.startswith(prefix) else None
        if rest and (recursive or "/" not in rest):
            out.append({"type": "directory", "oid": _folder_oid(repo, path), "path": path})
    for path, entry in sorted(files.items()):
        rest = path[len(prefix):] if path.startswith(prefix) else None
        if rest and (recursive or "/" not in rest):
            out.append(_file_entry(path, entry))
    return out


def _folder_oid(repo: dict, path: str) -> str:
    return hashlib.sha1(f"{repo['sha']}\0{path}".encode()).hexdigest()


def _file_entry(path: str, entry: dict) -> dict:
    out = {"type": "file", "oid": entry["oid"], "size": entry["size"], "path": path}
    if entry.get("lfs"):
        out["lfs"] = entry["lfs"]
    return out


class Handler(BaseHTTPRequestHandler):
    server_version = "sparklab-hf-hub/1"
    hub: Hub

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    # --- plumbing ---
    def _send(self, status: int, body: bytes = b"", ctype: str = "application/json",
              headers: dict | None = None, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, obj, headers: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _error(self, e: HubError, head: bool = False) -> None:
        headers = {"X-Error-Message": e.message}
        if e.code:
            headers["X-Error-Code"] = e.code
        if e.commit:
            headers["X-Repo-Commit"] = e.commit
        self._send(e.status, json.dumps({"error": e.message}).encode(), headers=headers, head=head)

    def _repo(self, kind: str, repo_id: str) -> dict:
        repo = self.hub.repo(kind, repo_id)
        if repo is None:
            raise HubError(401 if _token(self.headers) is None else 404, "RepoNotFound",
                           "Repository not found")
        return repo

    @staticmethod
    def _revision(repo: dict, rev: str) -> None:
        if urllib.parse.unquote(rev) not in ("main", repo["sha"]):
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {urllib.parse.unquote(rev)}")

    def _split(self) -> tuple[str, dict]:
        parts = urllib.parse.urlsplit(self.path)
        return urllib.parse.unquote(parts.path), urllib.parse.parse_qs(parts.query)

    # --- verbs ---
    def do_HEAD(self):
        self._dispatch(head=True)

    def do_GET(self):
        self._dispatch(head=False)

    def do_POST(self):
        path, _ = self._split()
        try:
            m = _API.match(path)
            if not m or m.group(3) != "paths-info":
                raise HubError(404, None, "Not Found")
            _check_token(self.headers)
            repo = self._repo(m.group(1), m.group(2))
            self._revision(repo, m.group(4))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype:
                paths = json.loads(raw or "{}").get("paths", [])
            else:
                paths = urllib.parse.parse_qs(raw).get("paths", [])
            files, folders = repo["files"], _folders(repo["files"])
            out = []
            for p in ([paths] if isinstance(paths, str) else paths):
                p = p.strip("/")
                if p in files:
                    out.append(_file_entry(p, files[p]))
                elif p in folders:
                    out.append({"type": "directory", "oid": _folder_oid(repo, p), "path": p})
            self._json(200, out)
        except HubError as e:
            self._error(e)

    def _dispatch(self, head: bool) -> None:
        path, query = self._split()
        try:
            if path == "/api/whoami-v2":
                return self._whoami(head)
            m = _API.match(path)
            if m:
                return self._api(m, query, head)
            m = _RESOLVE.match(path)
            if m:
                return self._resolve(m.group(1) or "models", m.group(2), m.group(3), m.group(4), head)
            raise HubError(404, None, "Not Found")
        except HubError as e:
            self._error(e, head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _whoami(self, head: bool) -> None:
        if _check_token(self.headers) is None:
            raise HubError(401, None, "Invalid credentials in Authorization header")
        self._json(200, {"type": "user", "id": "0" * 24, "name": "lab-student", "fullname": "Lab student",
                         "email": "student@sparklab.invalid", "emailVerified": True, "isPro": False, "orgs": [],
                         "auth": {"type": "access_token",
                                  "accessToken": {"displayName": "sparklab-lab", "role": "read"}}})

    def _api(self, m: re.Match, query: dict, head: bool) -> None:
        kind, repo_id, what, rev, sub = m.groups()
        _check_token(self.headers)
        repo = self._repo(kind, repo_id)
        if what in (None, "revision"):
            if rev is not None:
                self._revision(repo, rev)
            return self._json(200, self._info(repo, blobs=query.get("blobs", ["false"])[0].lower() == "true"))
        if what == "tree":
            self._revision(repo, rev)
            recursive = query.get("recursive", ["false"])[0].lower() in ("true", "1")
            return self._json(200, _tree_entries(repo, (sub or "").strip("/"), recursive))
        raise HubError(405, None, "Method Not Allowed")

    def _info(self, repo: dict, blobs: bool) -> dict:
        index = self.hub.index()
        siblings = []
        for path, entry in sorted(repo["files"].items()):
            sib = {"rfilename": path}
            if blobs:
                sib |= {"size": entry["size"], "blobId": entry["oid"]}
                if entry.get("lfs"):
                    sib["lfs"] = {"sha256": entry["lfs"]["oid"], "size": entry["lfs"]["size"],
                                  "pointerSize": entry["lfs"]["pointerSize"]}
            siblings.append(sib)
        org = repo["id"].split("/")[0]
        info = {"_id": repo["sha"][:24], "id": repo["id"], "author": org, "sha": repo["sha"],
                "lastModified": index.get("lastModified"), "createdAt": index.get("lastModified"),
                "private": False, "gated": repo["gated"], "disabled": False, "downloads": 0, "likes": 0,
                "tags": ["sparklab-standin"], "siblings": siblings,
                "usedStorage": sum(e["size"] for e in repo["files"].values())}
        if repo["type"] == "model":
            info |= {"modelId": repo["id"], "library_name": "transformers", "pipeline_tag": "text-generation",
                     "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}}
        else:
            info |= {"cardData": {}, "description": "LAB FIXTURE"}
        return info

    def _resolve(self, kind: str, repo_id: str, rev: str, file_path: str, head: bool) -> None:
        _check_token(self.headers)
        repo = self._repo(kind, repo_id)
        self._revision(repo, rev)
        if repo["gated"] and _token(self.headers) is None:
            raise HubError(401, "GatedRepo", f"Access to model {repo_id} is restricted. You must have access to it "
                                             "and be authenticated to access it. Please log in.")
        entry = repo["files"].get(file_path)
        if entry is None:
            raise HubError(404, "EntryNotFound", f"{file_path} does not exist on \"{rev}\"", repo["sha"])
        local = self.hub.root / kind / repo_id / file_path
        try:
            data = local.read_bytes()
        except OSError:
            raise HubError(404, "EntryNotFound", f"{file_path} is missing on this lab hub", repo["sha"]) from None
        headers = {"X-Repo-Commit": repo["sha"], "Accept-Ranges": "bytes",
                   "ETag": f'"{entry["lfs"]["oid"] if entry.get("lfs") else entry["oid"]}"',
                   "Content-Disposition": f'inline; filename="{Path(file_path).name}"'}
        if entry.get("lfs"):
            headers |= {"X-Linked-Etag": f'"{entry["lfs"]["oid"]}"', "X-Linked-Size": str(entry["lfs"]["size"])}
        status, body = 200, data
        ranged = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if ranged and not head and (ranged.group(1) or ranged.group(2)):
            start = int(ranged.group(1)) if ranged.group(1) else max(0, len(data) - int(ranged.group(2)))
            end = int(ranged.group(2)) if ranged.group(1) and ranged.group(2) else len(data) - 1
            end = min(end, len(data) - 1)
            if start >= len(data) or start > end:
                headers["Content-Range"] = f"bytes */{len(data)}"
                return self._send(416, b"", "application/octet-stream", headers)
            status, body = 206, data[start:end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        self._send(status, body, "application/octet-stream", headers, head=head)


def serve(root: Path, bind: str, port: int) -> ThreadingHTTPServer:
    """A server (not yet serving) for ROOT on bind:port."""
    handler = type("BoundHandler", (Handler,), {"hub": Hub(root)})
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    return server


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m simlab.hf_hub", description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--root", type=Path, required=True, help="the hub tree (simlab.mirror.hf_repos.build_hub)")
    args = ap.parse_args(argv)
    server = serve(args.root, args.bind, args.port)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sys.stderr.write(f"stand-in Hugging Face Hub on http://{args.bind}:{args.port}/ serving {args.root}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
