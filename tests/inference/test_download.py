"""Fetching a catalog model from a local server that speaks the Hub's API."""

import itertools
from pathlib import Path

import pytest

from inference.cancel import CancelToken
from inference.catalog import CatalogEntry
from inference.download import DownloadProgress, download, plan
from inference.errors import Cancelled, DownloadFailed, NotEnoughDisk
from tests.inference.hub import GOOD_TOKEN, FakeHub

ENTRY = CatalogEntry(name="tiny", title="Tiny", repo="test-org/tiny-GGUF", quant="Q4_K_M")


@pytest.fixture
def hub(fake_hub: FakeHub) -> FakeHub:
    return fake_hub


def test_lists_picks_by_quant_and_downloads_with_progress(hub: FakeHub, tmp_path: Path,
                                                         tiny_model: tuple[Path, Path]) -> None:
    p = plan(ENTRY, tmp_path / "models")
    assert [f.name for f in p.files] == ["tiny-Q4_K_M.gguf", "mmproj-tiny-F16.gguf"]
    seen: list[DownloadProgress] = []
    model, mmproj = download(p, seen.append)
    assert model.read_bytes() == tiny_model[0].read_bytes()
    assert mmproj.read_bytes() == tiny_model[1].read_bytes()
    assert seen[-1].done == seen[-1].total == p.total
    assert all(a.done <= b.done for a, b in itertools.pairwise(seen))
    assert not list((tmp_path / "models").glob("*.part"))
    again = download(p)  # nothing left to fetch
    assert again == (model, mmproj)


def test_a_cut_connection_resumes_from_the_bytes_already_saved(hub: FakeHub,
                                                               tmp_path: Path) -> None:
    hub.cut_once["tiny-Q4_K_M.gguf"] = 150_000
    p = plan(ENTRY, tmp_path)
    model, _ = download(p)
    assert model.stat().st_size == p.files[0].size
    ranges = [r for r in hub.requests if "resolve" in r and "tiny-Q4_K_M" in r]
    assert ranges[-1].endswith("bytes=150000-")  # continued, not started over


def test_an_interrupted_run_resumes_in_the_next_run(hub: FakeHub, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inference.download.CHUNK", 64 << 10)
    p = plan(ENTRY, tmp_path)
    cancel = CancelToken()

    def stop_midway(progress: DownloadProgress) -> None:
        if progress.done > 0:
            cancel.cancel()

    with pytest.raises(Cancelled, match="resume"):
        download(p, stop_midway, cancel)
    part = tmp_path / "tiny-Q4_K_M.gguf.part"
    kept = part.stat().st_size
    assert 0 < kept < p.files[0].size
    download(p)
    assert hub.requests[-2].endswith(f"bytes={kept}-")  # the next run went on from there
    assert (tmp_path / "tiny-Q4_K_M.gguf").stat().st_size == p.files[0].size


def test_a_corrupted_file_is_caught_by_its_hash(hub: FakeHub, tmp_path: Path) -> None:
    hub.corrupt.add("mmproj-tiny-F16.gguf")
    with pytest.raises(DownloadFailed, match="SHA-256 does not match"):
        download(plan(ENTRY, tmp_path))
    assert not (tmp_path / "mmproj-tiny-F16.gguf").exists()
    assert not (tmp_path / "mmproj-tiny-F16.gguf.part").exists()
    hub.corrupt.clear()
    download(plan(ENTRY, tmp_path))  # the model file is not fetched twice
    model_gets = [r for r in hub.requests if r.startswith("GET") and "tiny-Q4_K_M" in r]
    assert len(model_gets) == 1


def test_no_space_left(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: real(path)._replace(free=1_000_000))
    with pytest.raises(NotEnoughDisk, match="needs 0.0 GB but .* has 0.0 GB free") as e:
        download(plan(ENTRY, tmp_path))
    assert e.value.free == 1_000_000
    assert not any("resolve" in r for r in hub.requests)  # refused before fetching a byte


def test_a_gated_repository_says_how_to_log_in(hub: FakeHub, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    hub.repos["test-org/tiny-GGUF"].gated = True
    with pytest.raises(DownloadFailed, match="HTTP 401.*hf auth login") as e:
        download(plan(ENTRY, tmp_path))
    assert e.value.status == 401
    monkeypatch.setenv("HF_TOKEN", GOOD_TOKEN)
    model, _ = download(plan(ENTRY, tmp_path))
    assert model.is_file()


def test_unknown_repository_and_offline(hub: FakeHub, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    missing = CatalogEntry(name="x", title="x", repo="test-org/nope", quant="Q4_K_M")
    with pytest.raises(DownloadFailed, match="does not exist"):
        plan(missing, tmp_path)
    from tests.inference.servers import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DownloadFailed, match="Cannot reach"):
        plan(ENTRY, tmp_path)


def test_missing_quant(hub: FakeHub, tmp_path: Path) -> None:
    other = CatalogEntry(name="x", title="x", repo="test-org/tiny-GGUF", quant="Q5_K_M")
    with pytest.raises(Exception, match="no Q5_K_M model file; it has: Q4_K_M, Q8_0"):
        plan(other, tmp_path)
