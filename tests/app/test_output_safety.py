"""Output is never lost and never half-written: full and read-only disks (real small tmpfs
mounts where the tests may mount, else a chmod'ed folder), permissions, refusals, and a write
that fails after the model ran."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.outputs.files import write_atomic, write_folder_atomic
from app.outputs.history import History
from tests.app.test_cli_clone import model_args


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system, so writes fail with ENOSPC as on a full disk."""
    disk = tmp_path / "small"
    if os.geteuid() != 0 or not _mount(disk, "size=64k"):
        pytest.skip("mounting a small tmpfs needs root")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> None:
    """Take every free byte of the disk."""
    with (disk / "filler").open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 1024)
        except OSError as e:
            assert e.errno == errno.ENOSPC


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into: a read-only mount for root (whom chmod does not stop),
    else a folder without write permission."""
    folder = tmp_path / "read-only"
    if os.geteuid() == 0:
        if not _mount(folder, "ro,size=64k"):
            pytest.skip("cannot mount a read-only tmpfs here")
        yield folder
        subprocess.run(["umount", "-l", str(folder)], check=True)
    else:
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_new_files_follow_the_umask_and_force_keeps_the_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fresh = write_atomic(tmp_path / "a.html", "x")
        assert fresh.stat().st_mode & 0o777 == 0o640
        kept = tmp_path / "b.html"
        kept.write_text("old")
        kept.chmod(0o604)
        write_atomic(kept, "new", overwrite=True)
        assert kept.stat().st_mode & 0o777 == 0o604 and kept.read_text() == "new"
        report = write_folder_atomic(tmp_path / "report", {"x.json": "{}"})
        assert report[0].stat().st_mode & 0o777 == 0o640
        assert (tmp_path / "report").stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)


def test_a_report_is_written_whole_or_not_at_all(small_disk: Path) -> None:
    files = {"render.png": b"r" * 20_000, "diff.png": b"d" * 20_000,
             "side_by_side.png": b"s" * 40_000, "scores.json": "{}"}
    with pytest.raises(OSError) as e:
        write_folder_atomic(small_disk / "report", files)
    assert e.value.errno == errno.ENOSPC
    assert sorted(p.name for p in small_disk.iterdir()) == []  # no half report, no staging
    earlier = write_folder_atomic(small_disk / "report", {"scores.json": "earlier"})
    with pytest.raises(OSError):
        write_folder_atomic(small_disk / "report", files, overwrite=True)
    assert earlier[0].read_text() == "earlier"  # the earlier report stands untouched
    assert [p.name for p in (small_disk / "report").iterdir()] == ["scores.json"]


def test_a_report_is_not_written_over_without_force(tmp_path: Path, ui_png: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>hi</p>")
    report = tmp_path / "report"
    assert main(["diff", str(ui_png), str(page), "--report", str(report)]) == 0
    before = (report / "scores.json").read_bytes()
    page.write_text("<p>changed</p>")
    assert main(["diff", str(ui_png), str(page), "--report", str(report)]) == 2
    assert "already holds a report" in capsys.readouterr().err
    assert (report / "scores.json").read_bytes() == before
    assert main(["diff", str(ui_png), str(page), "--report", str(report), "--force"]) == 0
    assert (report / "scores.json").read_bytes() != before


def test_refusals_before_the_model_runs(tmp_path: Path, ui_png: Path,
                                        tiny_model: tuple[Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    original = ui_png.read_bytes()
    assert main(["clone", str(ui_png), "-o", str(ui_png), "--force",
                 *model_args(tiny_model)]) == 2
    assert "is the screenshot itself" in capsys.readouterr().err
    assert ui_png.read_bytes() == original
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert main(["clone", str(ui_png), "-o", str(tmp_path / "p.html"), "--report", str(a_file),
                 *model_args(tiny_model)]) == 2
    assert "is a file; a report needs a folder" in capsys.readouterr().err
    assert a_file.read_text() == "mine" and not (tmp_path / "p.html").exists()


def test_a_trailing_slash_or_a_folder_means_into_it(tmp_path: Path, ui_png: Path,
                                                    tiny_model: tuple[Path, Path]) -> None:
    assert main(["clone", str(ui_png), "-o", f"{tmp_path / 'newdir'}/",
                 *model_args(tiny_model)]) == 0
    assert (tmp_path / "newdir" / "ui.html").is_file()
    assert main(["clone", str(ui_png), "-o", str(tmp_path / "newdir"), "--force",
                 *model_args(tiny_model)]) == 0  # an existing folder: into it, not over it
    assert (tmp_path / "newdir").is_dir()


def test_a_full_disk_after_the_model_ran_keeps_the_page(small_disk: Path, ui_png: Path,
                                                        tiny_model: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    fill(small_disk)
    code = main(["clone", str(ui_png), "-o", str(small_disk / "page.html"),
                 *model_args(tiny_model)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 6
    assert err[-1].startswith(f"shotclone: error: Could not write {small_disk}")
    assert "No space left on device" in err[-1] and "The page is kept in " in err[-1]
    kept = Path(err[-1].split("The page is kept in ")[1].rstrip("."))
    assert kept.read_text().startswith("<!DOCTYPE html>")
    assert History().entries()[0].meta["status"] == "done"
    assert not (small_disk / "page.html").exists()
    assert [p.name for p in small_disk.iterdir()] == ["filler"]  # no temporary file left


def _shots(tmp_path: Path, ui_png: Path) -> Path:
    shots = tmp_path / "shots"
    shots.mkdir()
    for name in ("a.png", "b.png"):
        (shots / name).write_bytes(ui_png.read_bytes())
    return shots


def test_a_folder_clone_into_a_read_only_folder_fails_loudly(
        read_only_dir: Path, tmp_path: Path, tiny_model: tuple[Path, Path], ui_png: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["clone", str(_shots(tmp_path, ui_png)), "-o", str(read_only_dir),
                 *model_args(tiny_model)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("failed (local model): Cannot write to") == 2 and "read-only" in err
    assert "0 of 2 cloned, 2 failed." in err and "Traceback" not in err


def test_a_folder_clone_onto_a_full_disk_keeps_every_page(
        small_disk: Path, tmp_path: Path, tiny_model: tuple[Path, Path], ui_png: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    shots = _shots(tmp_path, ui_png)
    fill(small_disk)
    code = main(["clone", str(shots), "-o", str(small_disk / "pages"), *model_args(tiny_model)])
    err = capsys.readouterr().err
    assert code == 6
    assert err.count("No space left on device. The page is kept in") == 2
    assert "0 of 2 cloned, 2 failed." in err and "Traceback" not in err
