"""The README stays true (sqlite-utils' habit): every command is documented with an example,
the quick start has exactly two set-up commands, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formkit.cli import cli

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_an_example_in_the_readme_and_its_help(name):
    assert re.search(rf"^formkit (-\S+ )*{name}\b", README, re.M), f"README has no example of `formkit {name}`"
    assert f"`formkit {name}" in README, f"README's command table lacks `formkit {name}`"
    assert "Example: formkit" in (cli.commands[name].help or ""), f"`formkit {name} --help` has no example"


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1).strip().splitlines()
    assert block == ["pip install . && formkit demo", "pip install '.[test]' && python -m pytest"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install '.[test]' && python -m pytest" in ci


def test_exit_codes_in_the_readme_match_the_code():
    from formkit import errors

    table = README.split("## Exit codes", 1)[1].split("##", 1)[0]
    meaning = {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d) \| (.+) \|$", table, re.M)}
    assert sorted(meaning) == sorted({errors.EXIT_OK, errors.EXIT_RUNTIME, errors.EXIT_USAGE, errors.EXIT_EMPTY})
    assert "nothing to report" in meaning[errors.EXIT_EMPTY]
    assert meaning[errors.EXIT_OK].startswith("success")
    # Each kind of failure exits with the code whose documented meaning names it.
    for kind, words in ((errors.RemoteError, "remote"), (errors.StateError, "could not be written"),
                        (errors.DamagedFileError, "damaged state file"),
                        (errors.BusyError, "another formkit run"), (errors.UsageError, "bad usage"),
                        (errors.StoreBusyError, "another formkit command or a program still holds"),
                        (errors.InputError, "configuration, template, roster"),
                        (errors.CredentialsError, "credentials")):
        assert words in meaning[kind.exit_code], (kind.__name__, meaning[kind.exit_code])
        assert not any(words in text for code, text in meaning.items() if code != kind.exit_code), kind.__name__
