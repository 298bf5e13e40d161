"""The `rasa` command with our patches applied: `python -m assistant.rasa_server run ...`."""

from __future__ import annotations

from assistant import patches


def main() -> None:
    patches.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
