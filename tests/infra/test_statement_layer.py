"""The prod function's "statement" layer (infra/statement_layer.py): what it carries, and that the
PDF flow renders a 权益单 with the layer's own reportlab, fontTools and font."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import statement_layer
from infra.package import ROOT, STATEMENT_LAYER

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("chalice-package")]

# Lambda's limit for a layer uploaded directly (a larger one must go through S3).
DIRECT_UPLOAD_LIMIT = 50 * 2**20

_RENDER = r"""
import json, sys
import fontTools, reportlab
from chalicelib.domain import statements
from chalicelib.flows.user_center import statement_pdf
statement = statements.build(2019, "𠮷田陈小明", "3201**********1239", [], [], [])
pdf, code = statement_pdf.render(statement)
sys.stdout.buffer.write(pdf)
sys.stderr.write(json.dumps({"reportlab": reportlab.__file__, "fontTools": fontTools.__file__}))
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory) -> Path:
    built = statement_layer.build(tmp_path_factory.mktemp("layer") / "statement-layer.zip")
    mounted = built.parent / "opt"  # where Lambda would unpack it
    with zipfile.ZipFile(built) as z:
        z.extractall(mounted)
    return built


def test_the_layer_carries_the_pinned_libraries_and_the_licensed_font(layer):
    names = set(zipfile.ZipFile(layer).namelist())
    for modules in STATEMENT_LAYER.values():
        for module in modules:
            assert f"python/{module}/__init__.py" in names, module
    assert {statement_layer.FONT_IN_LAYER, "fonts/LICENSE-NotoSansCJK"} <= names
    for pin in statement_layer.pins():
        _name, version = pin.split("==")
        assert any(n.startswith("python/") and n.endswith(".dist-info/METADATA") and version in n for n in names), pin
    assert layer.stat().st_size < DIRECT_UPLOAD_LIMIT


def test_the_pdf_flow_renders_with_the_layers_libraries_and_font(layer, tmp_path):
    from chalicelib import crypto

    opt = layer.parent / "opt"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        # the layer's python/ first, as Lambda puts /opt/python on sys.path
        "PYTHONPATH": f"{opt / 'python'}:{ROOT}",
        "HALL_STATEMENT_FONT_PATH": str(opt / statement_layer.FONT_IN_LAYER),
        "HALL_LOCAL_KEYS": base64.b64encode(json.dumps(crypto.generate_keys_document()).encode()).decode(),
    }
    # A fixed argv, no shell.
    done = subprocess.run([sys.executable, "-c", _RENDER], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    origins = json.loads(done.stderr.decode().strip().splitlines()[-1])
    assert all(Path(path).is_relative_to(opt / "python") for path in origins.values()), origins
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(done.stdout)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "𠮷田陈小明" in text and "2019年度" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts.splitlines()[-1]  # emb
