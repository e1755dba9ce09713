"""Packaging facts that users rely on: conda and pip agree, the README's two commands exist."""

from __future__ import annotations

import re
import tomllib

import yaml
from paths import PROJECT


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pip_side = set(project["dependencies"]) | {
        d for name in ("runbooks", "teach", "dashboard", "test") for d in extras[name]
    }
    pip_side -= {"pvequorum[all]"}
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    conda_side = {d for d in env["dependencies"] if isinstance(d, str)} - {"pip"}
    conda_side = {d for d in conda_side if not d.startswith("python")}
    assert {_normalise(d) for d in conda_side} == {_normalise(d) for d in pip_side}


def test_readme_has_exactly_the_two_setup_commands() -> None:
    readme = (PROJECT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", setup, flags=re.M)
    assert commands == ["make demo", "make test"]


def test_console_script_is_declared() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["pvequorum"] == "pvequorum.cli:main"


def test_version_matches_pyproject() -> None:
    """The confirm token binds to the kit version, so it must be the released one."""
    import tomllib

    from paths import PROJECT

    import pvequorum

    data = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert pvequorum.__version__ == data["project"]["version"]


def test_the_core_needs_no_dependency_and_nbval_is_only_for_tests() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert project["dependencies"] == []
    assert extras["all"] == ["pvequorum[runbooks,teach,dashboard]"]
    assert not any(
        d.startswith("nbval") for name in ("runbooks", "teach", "dashboard") for d in extras[name]
    )
    assert any(d.startswith("nbval") for d in extras["test"])


def test_the_core_cli_runs_without_any_extra(tmp_path) -> None:
    """With every third-party package hidden, simulate, analyze, config and plan work, and
    the faces that need an extra say which one, in one line."""
    import subprocess
    import sys

    # `python -S`: no site-packages at all, only the standard library and the source tree
    blocker = (
        "import sys\n"
        f"sys.path.insert(0, {str(PROJECT / 'src')!r})\n"
        "from pvequorum.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    conf = PROJECT / "src" / "pvequorum" / "examples" / "two-node-corosync.conf"
    status = PROJECT / "src" / "pvequorum" / "examples" / "two-node-one-down.pvecm-status.txt"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", "-c", blocker, *args], capture_output=True, text=True, timeout=60
        )

    assert run("simulate").returncode == 0
    assert run("config", "check", str(conf)).returncode == 0
    plan = run(
        "plan",
        "restore-quorum",
        "--config",
        str(conf),
        "--status",
        str(status),
        "--confirmed-down",
        "pve2",
        "--format",
        "sh",
    )
    assert plan.returncode == 0, plan.stderr
    for face, extra in (("runbook", "runbooks"), ("dashboard", "dashboard")):
        args = ("runbook", "restore-quorum", "--example") if face == "runbook" else (face,)
        result = run(*args)
        assert result.returncode == 2, result.stderr
        assert f"pvequorum[{extra}]" in result.stderr and result.stderr.count("\n") == 1
