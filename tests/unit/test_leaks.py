"""The suite's leak check (tests/leaks.py): any 12 characters of a secret count."""

import pytest

from tests.leaks import leaked

SECRET = "nvapi-0123456789abcdef"


def test_any_twelve_characters_of_a_secret_count():
    assert leaked(SECRET, f"NGC_API_KEY={SECRET}")
    assert leaked(SECRET, "masked: ****456789abcdef") == ["456789abcdef"]
    assert leaked(SECRET, "key prefix nvapi-0123 only") == []


def test_a_short_secret_counts_whole():
    assert leaked("jt-42", "token=jt-42") == ["jt-42"]
    assert leaked("jt-42", "token=jt-4") == []
    with pytest.raises(ValueError):
        leaked("", "anything")
