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
    pip_side = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
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

    import pvequorum
    from paths import PROJECT

    data = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert pvequorum.__version__ == data["project"]["version"]
