"""Build hook: an installed rangectl carries its playbooks and image recipes.

Everything else about the package is in pyproject.toml. The layout keeps
`playbooks/` and `images/` at the top of the checkout, where Ansible and
Docker users expect them; a wheel copies both under `orchestrator/_content/`,
where orchestrator/content.py finds them through importlib.resources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTENT = ("playbooks", "images")


class BuildWithContent(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        target = Path(self.build_lib) / "orchestrator" / "_content"
        for folder in CONTENT:
            shutil.copytree(folder, target / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithContent})
