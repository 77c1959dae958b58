"""Hostile and broken YAML becomes one clear problem, placed in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.scenario.yaml_source import (
    MAX_DEPTH,
    MAX_NODES,
    YamlSourceError,
    parse_yaml,
    read_yaml,
)


def problem_of(text: str) -> str:
    with pytest.raises(YamlSourceError) as caught:
        parse_yaml(text, "s.yml")
    return caught.value.problem.render()


def test_positions_of_keys_and_values_are_one_based() -> None:
    data, source_map = parse_yaml("name: x\nhosts:\n  - name: web\n    port: 80\n", "s.yml")
    assert data == {"name": "x", "hosts": [{"name": "web", "port": 80}]}
    assert source_map.values[("hosts", 0, "port")].line == 4
    assert source_map.values[("hosts", 0, "port")].column == 11
    assert source_map.keys[("hosts", 0, "port")].column == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "the file is empty"), ("   \n\n", "the file is empty"),
     ("# only a comment\n", "the file holds no YAML document")],
)
def test_empty_document(text: str, expected: str) -> None:
    assert expected in problem_of(text)


def test_duplicate_key_names_both_lines() -> None:
    assert problem_of("a: 1\nb: 2\na: 3\n") == (
        "s.yml:3:1: duplicate key 'a' (first defined at line 1) (hint: remove one of them)"
    )


def test_tab_indentation_gets_a_hint() -> None:
    assert "replace the tab" in problem_of("a:\n\tb: 1\n")


def test_unclosed_bracket_is_placed_and_explained() -> None:
    rendered = problem_of("a: [1, 2\nb: 3\n")
    assert rendered.startswith("s.yml:2:")
    assert "not closed" in rendered


def test_unclosed_quote() -> None:
    assert "s.yml:" in problem_of('a: "open\nb: 2\n')


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['touch /tmp/rangectl-pwned']\n",
        "a: !!python/name:os.system\n",
        "!!python/object:builtins.dict {}\n",
        "a: !custom value\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
    ],
)
def test_object_tags_are_refused_never_constructed(text: str) -> None:
    assert "is not allowed" in problem_of(text)
    assert not Path("/tmp/rangectl-pwned").exists()


def test_alias_bomb_is_refused_without_expanding() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    rendered = problem_of("\n".join(lines) + "\n")
    assert f"more than {MAX_NODES} values" in rendered


def test_aliases_within_bounds_expand() -> None:
    data, _ = parse_yaml("base: &b {cpus: 1}\nx: *b\ny:\n  <<: *b\n  mem: 2\n", "s.yml")
    assert data["x"] == {"cpus": 1}
    assert data["y"] == {"mem": 2, "cpus": 1}


def test_unknown_alias() -> None:
    assert problem_of("a: *nothing\n").startswith("s.yml:1:4:")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 200_000])
def test_absurd_nesting_is_refused(depth: int) -> None:
    rendered = problem_of("a: " + "[" * depth + "]" * depth + "\n")
    assert "nesting" in rendered or "depth" in rendered


def test_block_nesting_is_refused() -> None:
    text = "".join("  " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 5)) + "  " * (
        MAX_DEPTH + 5) + "end: 1\n"
    assert "nesting deeper" in problem_of(text)


def test_second_document_is_refused() -> None:
    assert "one YAML document" in problem_of("a: 1\n---\nb: 2\n")


def test_non_mapping_key() -> None:
    assert "plain name" in problem_of("? [a, b]\n: 1\n")


def test_non_utf8_bytes_are_placed(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(b"name: ok\ntitle: caf\xe9\n")
    with pytest.raises(YamlSourceError) as caught:
        read_yaml(path)
    assert caught.value.problem.render() == (
        f"{path}:2:11: the file is not UTF-8 text (byte 0xe9) (hint: save the file as UTF-8)"
    )


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(YamlSourceError) as caught:
        read_yaml(path)
    assert "binary" in caught.value.problem.message


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    with path.open("wb") as handle:
        handle.truncate(40 * 1024 * 1024)
    with pytest.raises(YamlSourceError) as caught:
        read_yaml(path)
    assert "40.0 MiB" in caught.value.problem.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(YamlSourceError, match="no such file"):
        read_yaml(tmp_path / "absent.yml")
    with pytest.raises(YamlSourceError, match="directory"):
        read_yaml(tmp_path)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfname: ok\n")
    data, _ = read_yaml(path)
    assert data == {"name": "ok"}
