"""`shotclone models pull|list` and `shotclone doctor`, as a user runs them."""

from pathlib import Path

import pytest

from app.cli import main
from app.settings import load_settings
from tests.inference.hub import FakeHub


@pytest.fixture
def catalog_with_tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    from inference import catalog as catalog_module
    from inference.catalog import CatalogEntry

    tiny = CatalogEntry(name="tiny", title="Tiny test Gemma 4", repo="test-org/tiny-GGUF",
                        quant="Q4_K_M", default=True)
    monkeypatch.setattr(catalog_module, "catalog", lambda: [tiny])


def test_pull_downloads_verifies_and_sets_the_model(
        fake_hub: FakeHub, catalog_with_tiny: None, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    assert main(["models", "pull"]) == 0
    out, err = capsys.readouterr()
    model, mmproj = (Path(p) for p in out.split())
    assert model.name == "tiny-Q4_K_M.gguf" and mmproj.name == "mmproj-tiny-F16.gguf"
    assert "verified against the Hub's SHA-256" in err and "set as the model" in err
    settings = load_settings()
    assert (settings.model, settings.mmproj) == (str(model), str(mmproj))
    assert main(["models", "list"]) == 0  # ShotClone's own folder is searched
    listed = capsys.readouterr().out
    assert listed.startswith("NAME") and "FITS GPU" in listed
    assert str(model) in listed and mmproj.name in listed
    image = tmp_path / "shot.png"
    from tests.conftest import make_ui_png

    image.write_bytes(make_ui_png())
    assert main(["clone", str(image), "-o", str(tmp_path / "p.html"), "--ctx", "4096",
                 "--max-tokens", "5"]) == 0  # the pulled model works straight away
    assert "gpu: running on the CPU" in capsys.readouterr().err


def test_pull_a_gated_model_explains_how_to_log_in(
        fake_hub: FakeHub, catalog_with_tiny: None, capsys: pytest.CaptureFixture[str]) -> None:
    fake_hub.repos["test-org/tiny-GGUF"].gated = True
    assert main(["models", "pull", "tiny"]) == 5
    err = capsys.readouterr().err
    assert "hf auth login" in err and "Traceback" not in err


def test_pull_an_unknown_name(catalog_with_tiny: None,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "gpt-9"]) == 2
    assert "known: tiny" in capsys.readouterr().err


def test_doctor_tells_the_truth_about_this_machine(capsys: pytest.CaptureFixture[str]) -> None:
    import llama_cpp

    main(["doctor"])  # its exit code is tested in test_doctor.py
    out = capsys.readouterr().out
    offload = llama_cpp.llama_supports_gpu_offload()
    assert f"llama-cpp-python {llama_cpp.__version__}" in out
    assert ("GPU offload supported" if offload else "GPU offload not supported") in out
    assert "Browser: /" in out and "Settings:" in out
    assert "Models found in the usual folders:" in out


def test_pull_from_a_hub_that_keeps_failing_ends_with_exit_5(
        fake_hub: FakeHub, catalog_with_tiny: None, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inference.download.BACKOFF_S", 0.001)
    fake_hub.cut_always["tiny-Q4_K_M.gguf"] = 0
    assert main(["models", "pull"]) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("shotclone: error: Gave up on tiny-Q4_K_M.gguf after 8 failed")


def test_pull_says_what_it_could_not_verify(
        fake_hub: FakeHub, catalog_with_tiny: None, capsys: pytest.CaptureFixture[str]) -> None:
    fake_hub.no_hash.add("mmproj-tiny-F16.gguf")
    assert main(["models", "pull"]) == 0
    err = capsys.readouterr().err
    assert "verified against the Hub's SHA-256: tiny-Q4_K_M.gguf\n" in err
    assert "not verified (the Hub gives no SHA-256 for them; only their size was checked): " \
           "mmproj-tiny-F16.gguf" in err
