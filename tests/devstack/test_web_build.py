"""The web app's steps in ./matjip up and ./matjip test (matjip_devstack.web): `npm ci` only when the lock
file changed, `vite build` only when a source of the build changed, and the browser the tests drive.

npm and node are stand-in scripts on PATH that record how they were called: what is tested is when the
steps run, not npm itself (the real build runs in tests/deploy/test_web_image.py and tests/e2e)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matjip_devstack import web
from matjip_devstack.processes import StackError

NPM = """#!/bin/sh
echo "$@" >> "{log}"
case "$1" in
  ci) rm -rf node_modules && mkdir node_modules ;;
  run) mkdir -p dist && echo '<div id="app"></div>' > dist/index.html ;;
esac
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "web"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.tsx").write_text("export {};\n")
    (root / "src" / "main.test.ts").write_text("it('works', () => {});\n")
    (root / "e2e").mkdir()
    (root / "e2e" / "journey.spec.ts").write_text("// a browser test\n")
    (root / "package.json").write_text("{}\n")
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "npm").write_text(NPM.format(log=tmp_path / "npm.log"))
    (tools / "node").write_text("#!/bin/sh\necho v20.19.2\n")
    for tool in ("npm", "node"):
        (tools / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    monkeypatch.setattr(web, "WEB", root)
    monkeypatch.setattr(web, "DIST", root / "dist")
    monkeypatch.setattr(web, "_INSTALLED_STAMP", root / "node_modules" / ".matjip-lock-sha256")
    monkeypatch.setattr(web, "_BUILT_STAMP", root / "dist" / ".matjip-source-sha256")
    monkeypatch.setattr(web, "RUN", tmp_path / "run")
    return root


def npm_calls(app: Path) -> list[str]:
    log = app.parent / "npm.log"
    calls = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [call.split()[0] + (" " + call.split()[1] if call.startswith("run") else "") for call in calls]


def test_each_step_runs_only_when_its_inputs_changed(app: Path) -> None:
    said: list[str] = []
    assert web.ensure_built(said.append) is True
    assert npm_calls(app) == ["ci", "run build"]
    assert said == ["installing the web app's npm packages (npm ci) ...", "building the web app (vite build) ..."]

    assert web.ensure_built(said.append) is False
    assert npm_calls(app) == []

    # Tests and browser specs are not part of the build.
    (app / "src" / "main.test.ts").write_text("it('still works', () => {});\n")
    (app / "e2e" / "journey.spec.ts").write_text("// another browser test\n")
    assert web.ensure_built() is False
    assert npm_calls(app) == []

    (app / "src" / "main.tsx").write_text("export const changed = 1;\n")
    assert web.ensure_built() is True
    assert npm_calls(app) == ["run build"]

    (app / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}\n')
    assert web.ensure_built() is True
    assert npm_calls(app) == ["ci", "run build"]


def test_a_build_that_vanished_is_rebuilt(app: Path) -> None:
    web.ensure_built()
    npm_calls(app)
    (app / "dist" / "index.html").unlink()
    assert web.ensure_built() is True
    assert npm_calls(app) == ["run build"]


def test_a_node_too_old_for_vite_is_refused(app: Path) -> None:
    (app.parent / "bin" / "node").write_text("#!/bin/sh\necho v18.19.0\n")
    with pytest.raises(StackError, match=r"needs Node\.js 20\.19\+, found 18\.19"):
        web.ensure_built()
    assert npm_calls(app) == []


def test_a_failed_install_leaves_no_stamp(app: Path) -> None:
    (app.parent / "bin" / "npm").write_text("#!/bin/sh\necho 'E404 no such package' >&2\nexit 1\n")
    with pytest.raises(StackError, match="E404 no such package"):
        web.ensure_built()
    assert not web._INSTALLED_STAMP.exists()


def test_the_browser_named_by_matjip_chromium_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"font")
    monkeypatch.setattr(web, "KOREAN_FONT", font)
    browser = tmp_path / "chrome"
    browser.write_text("#!/bin/sh\n")
    monkeypatch.setenv("MATJIP_CHROMIUM", str(browser))
    assert web.ensure_chromium() == browser
    monkeypatch.setenv("MATJIP_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(StackError, match="is not a file"):
        web.ensure_chromium()
