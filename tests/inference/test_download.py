"""Fetching a catalog model from a local server that speaks the Hub's API."""

import itertools
import threading
from pathlib import Path

import pytest

from inference.cancel import CancelToken
from inference.catalog import CatalogEntry
from inference.download import ATTEMPTS, DownloadProgress, backoff, download, plan
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


def test_backoff_doubles_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inference.download.BACKOFF_S", 1.0)
    monkeypatch.setattr("inference.download.BACKOFF_CAP_S", 30.0)
    assert [backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff as the code computes it, waited for a thousandth of the time; the waits asked
    for are recorded."""
    waits: list[float] = []
    real_wait = CancelToken.wait

    def wait(self: CancelToken, seconds: float) -> bool:
        waits.append(seconds)
        return real_wait(self, seconds / 1000)

    monkeypatch.setattr(CancelToken, "wait", wait)
    return waits


@pytest.mark.parametrize("cut_at", [0, 150_000])
def test_a_hub_that_always_cuts_is_given_up_on(hub: FakeHub, tmp_path: Path, cut_at: int,
                                               quick_backoff: list[float]) -> None:
    """Cut before any byte, or after some: every failed attempt counts towards the limit, with
    exponential waits between them, and the error is a download error (exit 5)."""
    hub.cut_always["tiny-Q4_K_M.gguf"] = cut_at
    with pytest.raises(DownloadFailed, match=f"Gave up on tiny-Q4_K_M.gguf after {ATTEMPTS} "
                                             "failed attempts") as e:
        download(plan(ENTRY, tmp_path))
    assert e.value.exit_code == 5
    gets = [r for r in hub.requests if r.startswith("GET") and "tiny-Q4_K_M" in r]
    assert len(gets) == ATTEMPTS
    assert quick_backoff == [backoff(n) for n in range(1, ATTEMPTS)]
    part = tmp_path / "tiny-Q4_K_M.gguf.part"
    assert part.is_file() == (cut_at > 0)  # a 0-byte partial file is not left behind
    if cut_at:
        assert part.stat().st_size == cut_at and "resume" in str(e.value)
        hub.cut_always.clear()
        download(plan(ENTRY, tmp_path))  # the next run resumes from what was kept
        assert hub.requests[-2].endswith(f"bytes={cut_at}-")


def test_a_busy_server_is_retried_then_given_up_on(hub: FakeHub, tmp_path: Path,
                                                   quick_backoff: list[float]) -> None:
    hub.status_always["mmproj-tiny-F16.gguf"] = 503
    with pytest.raises(DownloadFailed, match="after 8 failed attempts.*HTTP Error 503"):
        download(plan(ENTRY, tmp_path))
    assert len(quick_backoff) == ATTEMPTS - 1


def test_cancel_during_backoff_stops_at_once(hub: FakeHub, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inference.download.BACKOFF_S", 3600.0)  # would wait an hour
    hub.cut_always["tiny-Q4_K_M.gguf"] = 0
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with pytest.raises(Cancelled):
        download(plan(ENTRY, tmp_path), cancel=cancel)


def test_files_already_there_are_checked_not_trusted(hub: FakeHub, tmp_path: Path) -> None:
    p = plan(ENTRY, tmp_path)
    model = tmp_path / "tiny-Q4_K_M.gguf"
    model.write_bytes(b"\0" * p.files[0].size)  # the right name and size, the wrong bytes
    with pytest.raises(DownloadFailed, match="is already there but is not .*SHA-256 differs"):
        download(p)
    model.write_bytes(b"garbage")
    with pytest.raises(DownloadFailed, match=r"\(7 bytes, not \d+\)"):
        download(p)
    model.unlink()
    assert download(p)[0] == model  # fetched, and checked on the next run too
    assert download(p)[0] == model
