"""A unit's command line as systemd parses it back."""

import shlex

import pytest

from sparklab.systemd import exec_line, quote


@pytest.mark.parametrize("word, quoted", [
    ("--port", "--port"),
    ("memlock=-1", "memlock=-1"),
    ('{"preserve_thinking": true}', '"{\\"preserve_thinking\\": true}"'),
    ("a b", '"a b"'),
    ("$HOME", '"$$HOME"'),
    ("100%", '"100%%"'),
])
def test_systemd_quoting(word, quoted):
    assert quote(word) == quoted


def test_exec_line_parses_back_to_the_same_words():
    argv = ["/usr/bin/docker", "run", "-e", "A=b c", "img", "bash", "-c", "echo \"$X\" && exit 0",
            '{"method":"mtp","num_speculative_tokens":3}']
    # systemd unescapes "$$" and "%%" first; the rest splits like a POSIX shell's double quotes.
    line = exec_line(argv).replace("$$", "$").replace("%%", "%")
    assert shlex.split(line) == argv
