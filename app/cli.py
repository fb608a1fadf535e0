"""The command line: thin glue that turns flags into a job, renders its events, and maps
errors to one clear line and an exit code (2 bad input, 3 model problem, 4 browser problem,
5 download problem, 6 results not written, 130 stopped)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from app import __version__
from app.errors import BadInput, OutputExists, OutputFailed, StoppedWithPartial
from app.intake import load_screenshot
from app.job.batch import Outcome, Target, check_target, clone_to_files, images_in, run_batch
from app.job.events import CloneResult, versions_line
from app.job.refine import Asking, EditJob, run_edit
from app.job.run import BackendPlan, plan_backends, reviews
from app.outputs.files import check_writable, refuse_existing, write_atomic
from app.page.repair import RepairOptions, repair, score, text_reader
from app.progress import follow, summary
from app.review.render import Renderer
from app.review.review import REPORT_FILES, Review, review, write_report
from app.review.textscores import TextScores
from app.settings import (
    Settings,
    data_dir,
    help_for,
    load_settings,
    problem_with,
    settings_path,
)
from inference.errors import Cancelled, ShotCloneError

Command = Callable[[argparse.Namespace], int]


def _gpu_layers(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: use a number or 'auto'") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{value}: use 0 or more, or 'auto'")
    return n


def _rounds(value: str) -> int:
    why = problem_with("refine_rounds", int(value)) if value.isdigit() else "use a number"
    if why:
        raise argparse.ArgumentTypeError(f"{value!r}: {why} (rounds)")
    return int(value)


def _add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model", f"defaults come from {settings_path()}")
    g.add_argument("--model", metavar="GGUF", help=help_for("model"))
    g.add_argument("--mmproj", metavar="GGUF", help=help_for("mmproj"))
    g.add_argument("--gpu-layers", type=_gpu_layers, metavar="N|auto",
                   help=help_for("gpu_layers"))
    g.add_argument("--ctx", type=int, dest="n_ctx", metavar="N", help=help_for("n_ctx"))
    g.add_argument("--image-tokens", type=int, metavar="N", help=help_for("image_tokens"))
    g.add_argument("--threads", type=int, dest="n_threads", metavar="N",
                   help=help_for("n_threads") + " (default: llama.cpp's choice)")
    g.add_argument("--max-tokens", type=int, metavar="N", help=help_for("max_tokens"))
    g.add_argument("--temperature", type=float, metavar="T", help=help_for("temperature"))
    g.add_argument("--seed", type=int, metavar="N",
                   help=help_for("seed") + " (default: a new one each run)")
    g.add_argument("--no-speculate", dest="speculate", action="store_const", const=False,
                   help="decode one token per model pass, without n-gram speculation (it "
                        "writes the same page at temperature 0; default: on)")
    g.add_argument("--no-text-hints", dest="text_hints", action="store_false",
                   help="leave the screenshot's OCR text out of the prompt (it goes in, in "
                        "reading order with rough positions, when OCR is installed)")


def _add_endpoint_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("remote model", "use an OpenAI-compatible server instead of a "
                             "local model; the API key comes from SHOTCLONE_API_KEY or "
                             "OPENAI_API_KEY")
    g.add_argument("--endpoint", action="append", metavar="URL",
                   help="the server's API base, e.g. http://127.0.0.1:8080/v1; repeat it to "
                        "spread a folder of images over several servers")
    g.add_argument("--endpoint-model", metavar="NAME", help="the model to ask the server for")
    g.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="longest wait for the server's next bytes (default: 300)")


def _add_page_output(p: argparse.ArgumentParser, what: str, default: str) -> None:
    """-o, --force and --scale of the commands that turn one page into another (edit, repair)."""
    p.add_argument("-o", "--output", metavar="OUT.html",
                   help=f"where to write the {what} page (default: {default})")
    p.add_argument("--force", action="store_true", help="replace OUT.html if it exists")
    p.add_argument("--scale", type=float, metavar="DPR",
                   help="device pixel ratio of the screenshot (default: from the file, else 1)")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings().updated(
        model=args.model, mmproj=args.mmproj, gpu_layers=args.gpu_layers, n_ctx=args.n_ctx,
        image_tokens=args.image_tokens, n_threads=args.n_threads, max_tokens=args.max_tokens,
        temperature=args.temperature, seed=args.seed, speculate=args.speculate,
        text_hints=None if args.text_hints else False, refine_rounds=getattr(args, "refine", None),
        **_repair_settings(args))


def _backends(args: argparse.Namespace, settings: Settings) -> list[BackendPlan]:
    """Each --endpoint, else the settings' server, else the local model (checked, planned)."""
    plans = plan_backends(settings, args.endpoint or (), endpoint_model=args.endpoint_model,
                          timeout_s=args.timeout)
    for plan in plans:
        if plan.explanation:
            print(f"gpu: {plan.explanation}", file=sys.stderr)
    return plans


def _report_results(result: CloneResult, out: Path, report: Path | None, verbose: bool) -> None:
    print(summary(result, str(out)), file=sys.stderr)
    if not result.page.found_html:
        print(f"warning: the model wrote no HTML; {out} holds its text instead.", file=sys.stderr)
    if verbose:
        for change in result.page.changes:
            print(f"  html: {change}", file=sys.stderr)
    if len(result.versions) > 1:
        print(f"versions: {versions_line(result.versions)}", file=sys.stderr)
    if result.review is not None:
        print(_review_line(result.review, report), file=sys.stderr)


def _page_path(output: str | None, source: Path) -> Path:
    """Where the page goes: -o as given, or into it when it is a folder or ends with a slash."""
    if not output:
        return Path(source.stem + ".html")
    if output.endswith(("/", os.sep)) or Path(output).is_dir():
        return Path(output) / (source.stem + ".html")
    return Path(output)


def cmd_clone(args: argparse.Namespace) -> int:
    settings = _settings(args)
    source = Path(args.image)
    if source.is_dir():
        return _clone_folder(args, settings, source)
    target = Target(image=source, output=_page_path(args.output, source),
                    report=Path(args.report) if args.report else None,
                    device_pixel_ratio=args.scale, overwrite=args.force)
    check_target(target)
    load_screenshot(source)  # a bad image is reported before any model starts
    plan = _backends(args, settings)[0]
    with contextlib.ExitStack() as stack:
        backend = plan.make()
        stack.callback(backend.close)
        renderer = stack.enter_context(Renderer()) \
            if target.report or reviews(settings) else None
        result = clone_to_files(target, backend, settings, follow, renderer)
    _report_results(result, target.output, target.report, args.verbose)
    print(target.output)
    if result.review_error is not None:
        raise result.review_error
    return 0


def _clone_folder(args: argparse.Namespace, settings: Settings, folder: Path) -> int:
    out_dir = Path(args.output) if args.output else Path(folder.name + "-html")
    targets = [Target(image=img, output=out_dir / f"{img.stem}.html",
                      report=Path(args.report) / img.stem if args.report else None,
                      device_pixel_ratio=args.scale, overwrite=args.force)
               for img in images_in(folder)]
    backends = _backends(args, settings)
    print(f"cloning {len(targets)} images from {folder} on {len(backends)} "
          f"backend{'s' if len(backends) > 1 else ''} into {out_dir}/", file=sys.stderr)
    done = 0

    def on_outcome(o: Outcome) -> None:
        nonlocal done
        done += 1
        head = f"[{done}/{len(targets)}] {o.target.image.name}"
        if o.result is not None:
            s = o.result.stats
            print(f"{head} -> {o.target.output}: {s.completion_tokens} tokens, "
                  f"{s.decode_tps:.1f} tok/s ({o.backend})", file=sys.stderr)
            print(o.target.output)
        else:
            print(f"{head} failed ({o.backend}): {o.error}", file=sys.stderr)

    outcomes = run_batch(targets, backends, settings, lambda events: follow(events, quiet=True),
                         with_report=bool(args.report), on_outcome=on_outcome)
    failed = [o for o in outcomes if o.error is not None]
    missing = len(targets) - len(outcomes)  # a backend that could not start leaves some undone
    print(f"{len(outcomes) - len(failed)} of {len(targets)} cloned"
          f"{f', {len(failed)} failed' if failed else ''}"
          f"{f', {missing} not attempted' if missing else ''}.", file=sys.stderr)
    return max((o.error.exit_code for o in failed if o.error), default=1 if missing else 0)


def cmd_bench(args: argparse.Namespace) -> int:
    from app.outputs.bench import is_done, page_dir, record_error, write_bench_report
    from app.progress import bench_bar

    folder = Path(args.folder)
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder of screenshots.")
    out = Path(args.output) if args.output else Path(folder.name + "-bench")
    images = images_in(folder)
    todo = [img for img in images if not is_done(out, img)]
    settings = _settings(args)
    targets = [Target(image=img, output=page_dir(out, img) / "page.html",
                      report=page_dir(out, img), device_pixel_ratio=args.scale, overwrite=True,
                      reference=img.with_suffix(".html") if img.with_suffix(".html").is_file()
                      else None) for img in todo]
    backends = _backends(args, settings) if todo else []
    print(f"bench: {len(images)} screenshots in {folder}, {len(images) - len(todo)} already "
          f"done; {len(todo)} to clone on {len(backends)} backend"
          f"{'s' if len(backends) != 1 else ''} into {out}/", file=sys.stderr)
    stopped = True
    with bench_bar(len(todo)) as bar:
        def on_outcome(o: Outcome) -> None:
            if o.error is not None and not isinstance(o.error, Cancelled):
                record_error(out, o.target.image, str(o.error))
            elif o.result is not None and o.result.review_error is not None:
                record_error(out, o.target.image, str(o.result.review_error))
            bar(o.target.image.name, o.error is None)

        try:
            if todo:
                run_batch(targets, backends, settings, lambda events: follow(events, quiet=True),
                          with_report=True, on_outcome=on_outcome)
            stopped = False
        finally:
            report = write_bench_report(out, images, stopped=stopped)
    print(f"report in {report[-1]} (and {report[0].name}, {report[1].name})", file=sys.stderr)
    print(report[-1])
    return 0


def _text_scores(t: TextScores | None) -> str:
    return "" if t is None else (f"block {t.block:.3f}, text {t.text:.3f}, position "
                                 f"{t.position:.3f}, colour {t.colour:.3f}, ")


def _review_line(result: Review, report: Path | None) -> str:
    c, r = result.comparison, result.rendered
    line = (f"similarity {result.similarity:.3f} ({_text_scores(result.text)}visual "
            f"{c.similarity:.3f}: SSIM {c.ssim:.3f}, pixels differing {c.pixel_mismatch:.1%})")
    if result.reference is not None:
        line += (f"; against the reference page's DOM {result.reference_similarity:.3f} "
                 f"({_text_scores(result.reference)}visual {c.similarity:.3f})")
    contained = [f"{n} {what}" for n, what in (
        (len(r.blocked_requests), "requests blocked"), (r.dialogs_dismissed, "dialogs dismissed"),
        (r.popups_blocked, "pop-ups refused")) if n]
    if r.scripts_killed:
        contained.append("scripts stopped after the time budget")
    if contained:
        line += "; " + ", ".join(contained)
    if r.overrun:
        line += f"; the page is {abs(r.overrun)} px {'taller' if r.overrun > 0 else 'shorter'} " \
                "than the screenshot"
    if report:
        line += f"; report in {report}/"
    return line


def cmd_diff(args: argparse.Namespace) -> int:
    shot = load_screenshot(args.image, device_pixel_ratio=args.scale)
    html = _read_page(args.page)
    reference = _read_page(args.reference) if args.reference else None
    if args.report:
        refuse_existing(Path(args.report), list(REPORT_FILES), overwrite=args.force)
        check_writable(Path(args.report) / REPORT_FILES[0])
    with Renderer() as renderer:
        result = review(renderer, shot, html, reference_html=reference)
    if args.report:
        try:
            write_report(Path(args.report), result, overwrite=args.force)
        except OSError as e:
            raise OutputFailed(f"Could not write the report in {args.report}: "
                               f"{e.strerror or e}.") from e
    if args.json:
        print(json.dumps(result.scores(), indent=2))
    else:
        print(_review_line(result, Path(args.report) if args.report else None))
    return 0


def _add_repair_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("repair", "steps that use the screenshot itself, each kept only if "
                             "the score does not drop")
    for flag, name, what in (
            ("--no-text", "repair_text",
             "leave words that differ from the screenshot's by a few characters"),
            ("--no-images", "repair_images",
             "leave image placeholders empty instead of filling them with crops"),
            ("--no-colours", "repair_colours",
             "leave CSS colours a few shades off the screenshot's as they are")):
        g.add_argument(flag, dest=name, action="store_const", const=False, help=what)


def _repair_settings(args: argparse.Namespace) -> dict[str, bool | None]:
    """The repair flags given, as settings (None: as the settings file says)."""
    if getattr(args, "repair", True) is False:  # --no-repair
        return dict.fromkeys(("repair_text", "repair_images", "repair_colours"), False)
    return {name: getattr(args, name, None)
            for name in ("repair_text", "repair_images", "repair_colours")}


_NOT_HTML = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
             (b"GIF8", "a GIF image"), (b"RIFF", "a WebP image or other RIFF file"),
             (b"BM", "a BMP image"), (b"%PDF", "a PDF"), (b"PK\x03\x04", "a zip archive"),
             (b"GGUF", "a GGUF model"))
_TAG = re.compile(r"<\s*[a-zA-Z!]")


def _read_page(path: str) -> str:
    """The page's text, or a clear refusal when the file is not an HTML page at all."""
    page = Path(path)
    if not page.is_file():
        raise BadInput(f"{page}: no such file.")
    data = page.read_bytes()
    kind = next((what for magic, what in _NOT_HTML if data.startswith(magic)), None)
    if kind is None and b"\0" in data[:8192]:
        kind = "binary data"
    if kind is None:
        text = data.decode("utf-8", errors="replace")
        if _TAG.search(text):
            return text
        kind = "text without a single HTML tag"
    raise BadInput(f"{page} is not an HTML page (it is {kind}). Give the page's "
                   ".html file.")


def cmd_repair(args: argparse.Namespace) -> int:
    shot = load_screenshot(args.image, device_pixel_ratio=args.scale)
    html = _read_page(args.page)
    out = Path(args.output) if args.output else Path(args.page).with_suffix(".repaired.html")
    if out.exists() and not args.force:
        raise OutputExists(out)
    check_writable(out)
    settings = load_settings().updated(**_repair_settings(args))
    options = RepairOptions(text=settings.repair_text, images=settings.repair_images,
                            colours=settings.repair_colours)
    with Renderer() as renderer:
        result = repair(renderer, shot, html, options, read_text=text_reader(),
                        on_step=lambda step: print(step.line(), file=sys.stderr))
    first = result.steps[0].before if result.steps else score(result.review)
    print(f"similarity {first:.3f} -> {score(result.review):.3f}", file=sys.stderr)
    write_atomic(out, result.html, overwrite=True)
    print(out)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    html = _read_page(args.page)
    shot = load_screenshot(args.image, device_pixel_ratio=args.scale) if args.image else None
    out = Path(args.output) if args.output else Path(args.page).with_suffix(".edited.html")
    if out.exists() and not args.force:
        raise OutputExists(out)
    check_writable(out)
    if not args.instruction.strip():
        raise BadInput("Say what to change: the instruction is empty.")
    settings = _settings(args)
    asking = Asking(max_tokens=settings.max_tokens, temperature=settings.temperature,
                    seed=settings.seed, speculate=settings.speculate)
    plan = _backends(args, settings)[0]
    with contextlib.ExitStack() as stack:
        backend = plan.make()
        stack.callback(backend.close)
        renderer = stack.enter_context(Renderer())
        job = EditJob(html=html, instruction=args.instruction, screenshot=shot, asking=asking)
        result = follow(run_edit(job, backend, renderer), echo=sys.stderr)
    write_atomic(out, result.page.html, overwrite=True)
    line = f"applied {result.page.changes[0]}; wrote {out}"
    if result.review is not None:
        line += f"; similarity {score(result.review):.3f}"
    print(line, file=sys.stderr)
    print(out)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole pipeline on a bundled screenshot, with a stand-in model written on the spot."""
    from assets import asset
    from inference.synthetic import write_pair

    model_dir = data_dir() / "demo-model"
    model, mmproj = model_dir / "synthetic-gemma4.gguf", model_dir / "mmproj-synthetic-gemma4.gguf"
    if not (model.is_file() and mmproj.is_file()):
        write_pair(model_dir)
    out = Path(args.output)
    print("ShotClone demo: the real pipeline (llama.cpp, the HTML stage) on a bundled "
          "screenshot, with a tiny random-weight stand-in model, so the page holds gibberish. "
          "For real clones, pass a vision model: shotclone clone SHOT.png --model MODEL.gguf "
          "--mmproj MMPROJ.gguf", file=sys.stderr)
    return cmd_clone(build_parser().parse_args([
        "clone", str(asset("samples/joke-card.png")), "-o", str(out / "joke-card.html"),
        "--force", "--report", str(out / "report"), "--model", str(model), "--mmproj",
        str(mmproj), "--ctx", "4096", "--max-tokens", "300", "--seed", "1"]))


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.doctor import diagnose

    d = diagnose()
    print("\n".join(d.lines))
    if d.problems:
        print(f"shotclone doctor: this set-up cannot clone yet: {d.problems[0]}",
              file=sys.stderr)
    return d.exit_code


def cmd_models_list(args: argparse.Namespace) -> int:
    from app.models import Machine, model_folders, model_rows, table
    from inference.catalog import catalog
    from inference.discovery import find_models

    found = find_models(model_folders())
    if found:
        print("\n".join(table(model_rows(found, Machine.detect(), load_settings()))))
    else:
        print("No models found on this machine.", file=sys.stderr)
    print("\nIn the catalog (shotclone models pull NAME):", file=sys.stderr)
    for entry in catalog():
        print(f"  {entry.name}{' (default)' if entry.default else ''}: {entry.title} "
              f"from {entry.repo}", file=sys.stderr)
    return 0


def cmd_models_pull(args: argparse.Namespace) -> int:
    from app.progress import download_bar
    from app.settings import save_settings
    from inference.catalog import default_entry, find_entry
    from inference.download import download, plan

    entry = find_entry(args.name) if args.name else default_entry()
    folder = Path(args.dir) if args.dir else data_dir() / "models" / entry.repo.replace("/", "--")
    p = plan(entry, folder)
    print(f"{entry.title}: {', '.join(f.name for f in p.files)} "
          f"({p.total / 1e9:.2f} GB) into {folder}", file=sys.stderr)
    with download_bar() as bar:
        model, mmproj = download(p, bar)
    checked = [f.name for f in p.files if f.sha256]
    unchecked = [f.name for f in p.files if not f.sha256]
    if checked:
        print(f"verified against the Hub's SHA-256: {', '.join(checked)}", file=sys.stderr)
    if unchecked:
        print(f"not verified (the Hub gives no SHA-256 for them; only their size was checked): "
              f"{', '.join(unchecked)}", file=sys.stderr)
    settings = load_settings()
    if args.use or not (settings.model or settings.endpoint):
        save_settings(settings.updated(model=str(model), mmproj=str(mmproj)))
        print(f"set as the model in {settings_path()}", file=sys.stderr)
    print(model)
    print(mmproj)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from app.ui import run_app  # Qt loads only here: the other commands run without it

    return run_app(Path(args.image) if getattr(args, "image", None) else None)


def cmd_capture(args: argparse.Namespace) -> int:
    from app.ui import run_app

    return run_app(capture=True, clone=True if args.clone else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shotclone",
        description="Turn a screenshot of any UI into one self-contained HTML file, with a "
                    "local vision-language model.")
    parser.add_argument("--version", action="version", version=f"shotclone {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("clone", help="write the HTML for a screenshot",
                       description="Write one self-contained HTML file that recreates IMAGE.")
    p.add_argument("image", metavar="IMAGE", help="the screenshot (PNG, JPEG, WebP, GIF, BMP), "
                   "or a folder of them")
    p.add_argument("-o", "--output", metavar="OUT.html",
                   help="where to write the page (default: IMAGE's name with .html, here; "
                        "a folder, or a name ending in /, gets IMAGE's name inside it); for a "
                        "folder of images, the folder to write the pages to (default: "
                        "FOLDER-html)")
    p.add_argument("--force", action="store_true",
                   help="replace OUT.html and a report in DIR if they exist")
    p.add_argument("--scale", type=float, metavar="DPR",
                   help="device pixel ratio of the screenshot, e.g. 2 for a HiDPI phone "
                        "capture (default: from the file, else 1)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list what the HTML stage changed")
    p.add_argument("--report", metavar="DIR", help="also render the page, compare it with "
                   "IMAGE and write render.png, diff.png, side_by_side.png, scores.json to DIR")
    p.add_argument("--refine", type=_rounds, metavar="N",
                   help=help_for("refine_rounds") + "; so the page never ends worse")
    p.add_argument("--no-repair", dest="repair", action="store_false",
                   help="skip the repair steps below altogether")
    _add_repair_options(p)
    _add_model_options(p)
    _add_endpoint_options(p)
    p.set_defaults(run=cmd_clone)

    p = sub.add_parser("edit", help="change a page as an instruction says, with the model",
                       description="Ask the model to change PAGE.html as INSTRUCTION says "
                                   "(\"make the header sticky\", \"use a dark theme\"). It "
                                   "answers with edits to the page, shown as they stream and "
                                   "applied exactly; an answer that cannot be applied changes "
                                   "nothing.")
    p.add_argument("page", metavar="PAGE.html", help="the page to change")
    p.add_argument("instruction", metavar="INSTRUCTION", help="what to change, in words")
    p.add_argument("--image", metavar="IMAGE", help="the screenshot the page recreates: the "
                   "model sees it, and the result is scored against it (default: the model "
                   "sees the page as it renders)")
    _add_page_output(p, "changed", "PAGE.edited.html")
    _add_model_options(p)
    _add_endpoint_options(p)
    p.set_defaults(run=cmd_edit)

    p = sub.add_parser("diff", help="render a page and compare it with a screenshot",
                       description="Render PAGE.html in headless Chromium at IMAGE's size and "
                                   "score how closely it matches (similarity 0..1: 1 is "
                                   "identical).")
    p.add_argument("image", metavar="IMAGE", help="the original screenshot")
    p.add_argument("page", metavar="PAGE.html", help="the page to render")
    p.add_argument("--report", metavar="DIR", help="write render.png, diff.png, "
                   "side_by_side.png and scores.json to DIR")
    p.add_argument("--json", action="store_true", help="print the scores as JSON on stdout")
    p.add_argument("--force", action="store_true", help="replace a report already in DIR")
    p.add_argument("--scale", type=float, metavar="DPR",
                   help="device pixel ratio of the screenshot (default: from the file, else 1)")
    p.add_argument("--reference", metavar="REF.html",
                   help="the page IMAGE was taken of: also score from both pages' DOMs, as "
                        "Design2Code's HTML-based metric does")
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser("bench", help="clone a folder of screenshots and score every page",
                       description="Clone every screenshot in FOLDER (with PAGE.html beside "
                                   "PAGE.png, the HTML-based scores too) and write each page's "
                                   "scores, tokens, time to first token, tok/s and time to "
                                   "bench.csv and bench.json, and report.html (original, clone "
                                   "and differences per page, the means on top). Pages already "
                                   "done are skipped: run it again to resume.")
    p.add_argument("folder", metavar="FOLDER", help="the screenshots")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="where to write the results (default: FOLDER-bench, here)")
    p.add_argument("--scale", type=float, metavar="DPR",
                   help="device pixel ratio of the screenshots (default: from each file, "
                        "else 1)")
    _add_model_options(p)
    _add_endpoint_options(p)
    p.set_defaults(run=cmd_bench)

    p = sub.add_parser("repair", help="fix a page's words, colours and pictures from a "
                       "screenshot, without a model",
                       description="Repair PAGE.html against the screenshot it recreates: "
                                   "words a few characters off become the screenshot's (read "
                                   "by OCR), image placeholders get the screenshot's pixels, "
                                   "CSS colours a few shades off snap to its colours. Each "
                                   "step is kept only if the similarity does not drop; each "
                                   "step's change and score are printed.")
    p.add_argument("page", metavar="PAGE.html", help="the page to repair")
    p.add_argument("--image", required=True, metavar="IMAGE", help="the original screenshot")
    _add_page_output(p, "repaired", "PAGE.repaired.html")
    _add_repair_options(p)
    p.set_defaults(run=cmd_repair)

    p = sub.add_parser("doctor", help="say what this machine really has",
                       description="llama.cpp's build and GPU support, GPUs and free memory, "
                                   "the browser, settings, the model set (checked as clone "
                                   "checks it) and the models found. Exits non-zero when "
                                   "this set-up cannot clone: 3 for a model problem, 4 for "
                                   "the browser.")
    p.set_defaults(run=cmd_doctor)

    models = sub.add_parser("models", help="find, list and download models")
    msub = models.add_subparsers(dest="models_command", metavar="COMMAND", required=True)
    p = msub.add_parser("list", help="models on this machine, and the catalog",
                        description="Models found in LM Studio's folder, the Hugging Face "
                                    "cache, llama.cpp's cache and ShotClone's own folder, each "
                                    "with its vision projector; then the catalog.")
    p.set_defaults(run=cmd_models_list)
    p = msub.add_parser("pull", help="download a catalog model",
                        description="Download a model and its projector from the Hugging Face "
                                    "Hub (HF_ENDPOINT selects another server), resuming an "
                                    "interrupted download and checking each file's SHA-256.")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="a catalog name (default: the default model)")
    p.add_argument("--dir", metavar="DIR", help="where to put the files (default: ShotClone's "
                   "models folder)")
    p.add_argument("--use", action="store_true",
                   help="make it the model in the settings (done anyway when none is set)")
    p.set_defaults(run=cmd_models_pull)

    p = sub.add_parser("capture", help="drag a rectangle over the screen and open it in the app",
                       description="Freeze the screen, drag a rectangle over what to clone "
                                   "(Esc cancels), and open it in the app. Bind this to a "
                                   "desktop shortcut where global hotkeys are not allowed "
                                   "(Wayland); there it uses the desktop's screenshot portal.")
    p.add_argument("--clone", action="store_true",
                   help="start cloning at once (default: as set in Settings)")
    p.set_defaults(run=cmd_capture)

    p = sub.add_parser("app", help="open the desktop app (also: shotclone with no command)",
                       description="Open the ShotClone window, with IMAGE loaded if given.")
    p.add_argument("image", metavar="IMAGE", nargs="?", help="a screenshot to open")
    p.set_defaults(run=cmd_app)

    p = sub.add_parser("demo", help="run the whole pipeline once on a bundled screenshot",
                       description="Clone a bundled screenshot with a stand-in model: proof "
                                   "that everything is installed and works.")
    p.add_argument("-o", "--output", default="shotclone-demo", metavar="DIR",
                   help="folder for the results (default: ./shotclone-demo)")
    p.set_defaults(run=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        args.run = cmd_app
    try:
        return args.run(args)
    except Cancelled as e:
        if isinstance(e, StoppedWithPartial):
            print(f"shotclone: what the model had written is kept in {e.kept}", file=sys.stderr)
        print(f"shotclone: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"\nshotclone: {Cancelled()}", file=sys.stderr)
        return Cancelled.exit_code
    except ShotCloneError as e:
        print(f"shotclone: error: {e}", file=sys.stderr)
        return e.exit_code
    except Exception as e:
        if os.environ.get("SHOTCLONE_RAISE_ERRORS") or hasattr(sys, "_called_from_test"):
            raise
        print(f"shotclone: internal error: {type(e).__name__}: {e}\n"
              "Set SHOTCLONE_RAISE_ERRORS=1 to see the traceback, and please report it.",
              file=sys.stderr)
        return 1


def entry() -> int:
    """The ``shotclone`` command: ``main``, then Ctrl+C ignored while the process ends. Once
    the command has finished and said so, a late key must not cut short the teardown (the
    model worker's and the browser's shutdown) or turn a finished run's exit status into a
    death by signal."""
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code
