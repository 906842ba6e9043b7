"""The one check that a secret stays out of some text (output, commands, unit files), shared by the suite."""

WINDOW = 12


def leaked(secret: str, text: str) -> list[str]:
    """The pieces of ``secret`` found in ``text``: every run of WINDOW characters (the whole secret when shorter).

    Any such piece counts, so a secret that is cut, wrapped or partly masked in the text is still caught.
    """
    if not secret:
        raise ValueError("an empty secret cannot be checked")
    size = min(WINDOW, len(secret))
    return sorted({piece for i in range(len(secret) - size + 1) if (piece := secret[i:i + size]) in text})
