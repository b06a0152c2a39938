"""Loading notes: the bundled sample set, or a JSON file given by the user."""
import json
from importlib import resources


def sample_notes():
    text = resources.files("notes").joinpath("data", "sample.json").read_text(encoding="utf-8")
    return json.loads(text)


def load(path=None):
    if path is None:
        return sample_notes()
    with open(path, encoding="utf-8") as f:
        return json.load(f)
