"""The smallest pyhost app: greets whoever is named on the command line."""
import sys


def main():
    names = sys.argv[1:] or ["world"]
    print(f"Hello, {', '.join(names)}!")
    return 0


if __name__ == "__main__":
    sys.exit(main())
