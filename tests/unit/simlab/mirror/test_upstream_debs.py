"""simlab.mirror.upstream_debs: upstream .debs served unchanged, fetched once into the cache and verified."""
from __future__ import annotations

import hashlib

import pytest

from simlab.mirror import catalog, upstream_debs


def entry_for(data: bytes, url: str) -> dict:
    return {"version": "1.0-1", "architecture": "amd64", "url": url, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def test_fetch_downloads_once_and_verifies(tmp_path, monkeypatch):
    source = tmp_path / "pool" / "demo_1.0-1_amd64.deb"
    source.parent.mkdir()
    source.write_bytes(b"a deb")
    monkeypatch.setitem(catalog.UPSTREAM_DEBS, "demo", entry_for(b"a deb", source.as_uri()))
    cache = tmp_path / "cache"
    got = upstream_debs.fetch(cache, "demo")
    assert got == cache / "downloads" / "demo_1.0-1_amd64.deb" and got.read_bytes() == b"a deb"
    source.unlink()
    assert upstream_debs.fetch(cache, "demo") == got  # cached: no download
    got.write_bytes(b"tampered")
    with pytest.raises(RuntimeError, match="cannot download"):
        upstream_debs.fetch(cache, "demo")  # wrong file in the cache: fetched again (and the source is gone)
    assert not got.exists() or got.read_bytes() == b"tampered"


def test_a_substituted_download_is_refused(tmp_path, monkeypatch):
    source = tmp_path / "demo_1.0-1_amd64.deb"
    source.write_bytes(b"another deb")
    monkeypatch.setitem(catalog.UPSTREAM_DEBS, "demo", entry_for(b"a deb", source.as_uri()))
    with pytest.raises(RuntimeError, match="not the pinned file"):
        upstream_debs.fetch(tmp_path / "cache", "demo")
    assert [p.name for p in (tmp_path / "cache" / "downloads").iterdir()] == []


def test_used_names_the_repos_upstream_debs(monkeypatch):
    assert upstream_debs.used() == ["docker-compose"]
    compose = catalog.UPSTREAM_DEBS["docker-compose"]
    assert compose["url"].endswith(f"/docker-compose_{catalog.DOCKER_COMPOSE_VERSION}_amd64.deb")
    assert compose["url"].startswith("http://deb.debian.org/debian/pool/main/d/docker-compose/")
    monkeypatch.setitem(catalog.REPOS, "broken", {"upstream_debs": ["nope"]})
    with pytest.raises(ValueError, match="nope"):
        upstream_debs.used()
