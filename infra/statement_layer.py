"""The prod function's "statement" Lambda layer: reportlab, fontTools and the 权益单 PDF's font.

Only chalicelib/flows/user_center/statement_pdf.py needs them, and together (about 35 MB) they
would not fit in the 20 MB function zip (``infra.package`` leaves the two libraries out,
:data:`infra.package.STATEMENT_LAYER`). A layer is mounted under ``/opt``: the libraries go in
``python/`` (on the function's ``sys.path``) and the font in ``fonts/``, which the prod stage
names in ``HALL_STATEMENT_FONT_PATH`` (.chalice/config.json).

    python -m infra.statement_layer build/statement-layer.zip     # what `make statement-layer` does

The libraries are the versions requirements.txt pins, as Lambda's platform wheels (whatever
machine builds the layer); the font is Debian's fonts-noto-cjk (SIL Open Font License 1.1: may be
bundled and embedded), shipped with its licence. docs/deploy.md says how to publish the layer.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.package import ROOT, STATEMENT_LAYER

__all__ = ["FONT", "FONT_IN_LAYER", "LICENCE", "build", "pins"]

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
LICENCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
FONT_IN_LAYER = "fonts/NotoSansCJK-Regular.ttc"  # under /opt once mounted
LAMBDA_PLATFORM = "manylinux2014_x86_64"


def pins(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """``name==version`` of each library the layer carries, as requirements.txt pins it."""
    wanted = set(STATEMENT_LAYER)
    found = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s#]+)\s*(#.*)?", line.strip())
        if match and match.group(1).lower().replace("-", "_") in wanted:
            found.append(f"{match.group(1)}=={match.group(2)}")
    if len(found) != len(wanted):
        raise RuntimeError(f"requirements.txt must pin each of {sorted(wanted)}")
    return found


def build(out_zip: Path, python: str = sys.executable) -> Path:
    """Build the layer's zip at ``out_zip`` and return it."""
    for needed in (FONT, LICENCE):
        if not needed.is_file():
            raise RuntimeError(f"{needed} is missing: install Debian's fonts-noto-cjk (make pdf-deps)")
    with tempfile.TemporaryDirectory(prefix="statement-layer-") as tmp:
        layer = Path(tmp)
        major, minor = sys.version_info[:2]
        # A fixed argv, no shell.
        subprocess.run(  # noqa: S603
            [
                python, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(layer / "python"),
                "--platform", LAMBDA_PLATFORM, "--only-binary=:all:", "--python-version", f"{major}.{minor}",
                *pins(),
            ],
            check=True,
        )  # fmt: skip
        (layer / "fonts").mkdir()
        shutil.copyfile(FONT, layer / FONT_IN_LAYER)
        shutil.copyfile(LICENCE, layer / "fonts" / "LICENSE-NotoSansCJK")
        out_zip.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as z:
            for file in sorted(p for p in layer.rglob("*") if p.is_file()):
                z.write(file, file.relative_to(layer).as_posix())
    return out_zip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.statement_layer", description=__doc__.splitlines()[0])
    parser.add_argument("out_zip", nargs="?", default=str(ROOT / "build" / "statement-layer.zip"))
    args = parser.parse_args(argv)
    built = build(Path(args.out_zip))
    print(f"{built}: {built.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
