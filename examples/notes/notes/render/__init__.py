"""Rendering notes with the string.Template files shipped in notes/templates/."""
from importlib import resources
from string import Template


def template(name):
    path = resources.files("notes") / "templates" / f"{name}.txt"
    return Template(path.read_text(encoding="utf-8"))


def render(note):
    return template("note").substitute(note).rstrip("\n")


def listing(notes):
    line = template("line")
    return "\n".join(line.substitute(n, index=i).rstrip("\n") for i, n in enumerate(notes, 1))
