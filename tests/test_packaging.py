"""An installed Mentorbot has every file it reads: each file in a package that is not
Python is listed in pyproject's ``package-data``, or a wheel leaves it out and the
installed bot fails where the checkout worked (as it did without
``bot/content/content_map_ids.txt`` until this test)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "adapters", "schedules", "storage", "mentorbot")


def packaged_data() -> dict[str, list[str]]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]["package-data"]


def test_every_data_file_of_a_package_is_in_package_data() -> None:
    globs = packaged_data()
    left_out = []
    for package in PACKAGES:
        root = REPO / package
        shipped = {path for glob in globs.get(package, []) for path in root.glob(glob)}
        left_out += [
            str(path.relative_to(REPO))
            for path in sorted(root.rglob("*"))
            if path.is_file()
            and path.suffix not in {".py", ".pyc"}
            and "__pycache__" not in path.parts
            and path not in shipped
        ]
    assert left_out == []
