"""Image recipes and their build order, from image folders on disk, without an engine.

Each image builds FROM its parent, named by the Dockerfile's `ARG X=rangectl/P:latest`
line: a parent must be built first, a loop is refused, and an unknown name is
refused with the names there are.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.images.builder import content_hash
from orchestrator.images.catalog import BASE_IMAGE, build_order, images_dir, recipes


def image(root: Path, name: str, parent: str, arg: str = "HOST") -> None:
    (root / name).mkdir(parents=True)
    (root / name / "Dockerfile").write_text(
        f"ARG {arg}=rangectl/{parent}:latest\nFROM ${{{arg}}}\n", encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / BASE_IMAGE).mkdir()
    image(tmp_path, "host", BASE_IMAGE, arg="BASE")
    image(tmp_path, "web", "host")
    image(tmp_path, "portal", "web")
    image(tmp_path, "dns", "host")
    return tmp_path


def test_recipes_name_each_parent_and_its_build_arg(tree: Path) -> None:
    found = recipes(tree)
    assert sorted(found) == [BASE_IMAGE, "dns", "host", "portal", "web"]
    assert found[BASE_IMAGE].parent is None
    assert (found["host"].parent, found["host"].build_arg) == (BASE_IMAGE, "BASE")
    assert (found["portal"].parent, found["portal"].directory) == ("web", tree / "portal")


def test_parents_come_first_and_each_image_once(tree: Path) -> None:
    catalog = recipes(tree)
    assert build_order(["portal"], catalog) == [BASE_IMAGE, "host", "web", "portal"]
    assert build_order(["dns", "portal", "web"], catalog) == [
        BASE_IMAGE, "host", "dns", "web", "portal"]
    assert build_order([], catalog) == []


def test_every_shipped_image_builds_after_its_parent() -> None:
    catalog = recipes(images_dir())
    order = build_order(sorted(catalog), catalog)
    assert sorted(order) == sorted(catalog)
    for name in order:
        parent = catalog[name].parent
        assert parent is None or order.index(parent) < order.index(name)


def test_a_loop_is_refused(tree: Path) -> None:
    image(tree, "a", "b")
    image(tree, "b", "a")
    with pytest.raises(RuntimeFailureError, match="loop"):
        build_order(["a"], recipes(tree))


def test_an_unknown_image_is_named_with_the_known_ones(tree: Path) -> None:
    with pytest.raises(InvalidInputError, match="no image 'wbe'") as info:
        build_order(["wbe"], recipes(tree))
    assert info.value.hint == "known: base, dns, host, portal, web"


def test_an_unknown_parent_is_named(tree: Path) -> None:
    image(tree, "orphan", "nowhere")
    with pytest.raises(InvalidInputError, match="no image 'nowhere'"):
        build_order(["orphan"], recipes(tree))


def test_a_dockerfile_without_a_parent_line_is_refused(tree: Path) -> None:
    (tree / "loose").mkdir()
    (tree / "loose" / "Dockerfile").write_text("FROM debian:bookworm\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no 'ARG NAME=rangectl/PARENT:latest' line"):
        recipes(tree)


def test_the_content_hash_follows_the_files_and_the_parent(tree: Path) -> None:
    web = recipes(tree)["web"]
    before = content_hash(web, "sha256:parent")
    assert content_hash(web, "sha256:parent") == before
    assert content_hash(web, "sha256:other-parent") != before
    (tree / "web" / "index.html").write_text("hello", encoding="utf-8")
    assert content_hash(web, "sha256:parent") != before
