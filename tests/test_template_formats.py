"""What a template's {placeholder:spec} may expand to: a format spec is bounded before anything is
expanded, and the expanded texts are checked against the same limits as typed ones, by `check`."""

from __future__ import annotations

import re
import time

import pytest

from formkit.errors import InputError
from formkit.resources import shipped_dir
from formkit.workspace.templates import load_template_file

SIPAS = shipped_dir("templates") / "forms" / "sipas-2640.toml"


def with_title(folder, title: str):
    text = SIPAS.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^form_title = .*$', lambda _: f'form_title = "{title}"', text, count=1)
    path = folder / "templates" / "sipas-2640.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("title", ["{commune:>300000000}", "{commune:.99999999999}", "{commune:x<{unit}}",
                                   "{commune:>300000000}s", "{commune:>0300000000}"])
def test_a_format_spec_that_expands_too_far_is_refused_when_the_template_loads(tmp_path, title):
    path = with_title(tmp_path, title)
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        load_template_file(path)
    assert time.monotonic() - started < 5
    problems = [p for p in err.value.problems if p.place == "form_title"]
    assert problems and problems[0].file == str(path), err.value.problems


def test_an_ordinary_format_spec_still_loads(tmp_path):
    template = load_template_file(with_title(tmp_path, "Khảo sát — {commune!s:<20}"))
    assert template.form_title == "Khảo sát — {commune!s:<20}"


def test_check_refuses_a_title_whose_expansion_is_too_long_with_file_and_place(example_dir, formkit):
    path = with_title(example_dir, "{commune:>190}{commune:>190}")
    result = formkit("check", "-w", example_dir)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and "form_title" in result.output
    assert "380" in result.output  # how long it came out
