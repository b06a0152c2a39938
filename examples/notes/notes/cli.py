"""notes [list | show N | templates] [--file NOTES.json]"""
import argparse
import sys
from importlib import resources

from notes import render, store


def main(argv=None):
    parser = argparse.ArgumentParser(prog="notes", description=__doc__)
    parser.add_argument("command", nargs="?", default="list", choices=["list", "show", "templates"])
    parser.add_argument("number", nargs="?", type=int)
    parser.add_argument("--file", help="a JSON list of {title, body} notes")
    args = parser.parse_args(argv)
    notes = store.load(args.file)
    if args.command == "list":
        print(render.listing(notes))
    elif args.command == "templates":
        folder = resources.files("notes") / "templates"
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            print(entry.name, entry.is_file())
    else:
        if args.number is None or not 1 <= args.number <= len(notes):
            print(f"notes: no note number {args.number}; there are {len(notes)}", file=sys.stderr)
            return 2
        print(render.render(notes[args.number - 1]))
    return 0
