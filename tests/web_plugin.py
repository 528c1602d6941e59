"""A third-party task the web tests register (and nothing installs): it must get a working tab with no UI code.

It declares one of each kind of typed argument (a bounded integer, a choice, a
boolean), an example, two outputs (text and a count) and the ``stream``
capability, so its tab shows a slider, a dropdown, a checkbox and streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nlpsuite import FieldSpec, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.models.reference import ModelRequest

NLPSUITE_PLUGIN_API = "1.0"
TASK = "echo_words"


class EchoWords:
    def __init__(self, args: dict[str, Any]) -> None:
        self.repeat = args["repeat"]
        self.style = args["style"]
        self.exclaim = args["exclaim"]

    def config(self) -> dict[str, Any]:
        return {"repeat": self.repeat, "style": self.style, "exclaim": self.exclaim}

    def _words(self, text: str) -> list[str]:
        words = [w.upper() if self.style == "upper" else w.lower() for w in text.split()] * self.repeat
        return [*words[:-1], words[-1] + "!"] if self.exclaim and words else words

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs = []
        for record in records:
            words = self._words(record["text"])
            outputs.append({"echo": " ".join(words), "n_words": len(words)})
        return outputs

    def stream(self, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
        words = self._words(record["text"])
        for end in range(1, len(words) + 1):
            yield {"echo": " ".join(words[:end]), "n_words": end}


def build(request: ModelRequest, options: TaskOptions) -> EchoWords:
    return EchoWords(dict(options.task_args))


class EchoWordsPlugin:
    @hookimpl
    def register_tasks(self) -> list[TaskSpec]:
        return [
            TaskSpec(
                name=TASK,
                description="Echo the words of a text, one at a time (a test-only third-party task)",
                input_fields=[FieldSpec("text", "text", "the text to echo")],
                output_fields=[FieldSpec("echo", "text", "the words echoed"),
                               FieldSpec("n_words", "integer", "how many words")],
                build=build,
                default_model="all-MiniLM-L6-v2",  # a registered name; this task loads nothing
                fallback_model="all-MiniLM-L6-v2",
                arguments=[
                    argument("repeat", "integer", "how many times to say it", default=1, minimum=1, maximum=5),
                    argument("style", "text", "letter case", default="upper", choices=["upper", "lower"]),
                    argument("exclaim", "boolean", "end with an exclamation mark", default=False),
                ],
                capabilities=("stream",),
                examples=[{"text": "hello there world"}],
            )
        ]
