"""The smallest GUI app: a window titled "tkhello" with a greeting and a Quit button.

Arguments: a name to greet, and --quit-after MS to close the window by itself (for tests).
"""
import sys
import tkinter as tk


def main():
    args = sys.argv[1:]
    quit_after = None
    if "--quit-after" in args:
        at = args.index("--quit-after")
        quit_after = int(args[at + 1])
        del args[at : at + 2]
    root = tk.Tk()
    root.title("tkhello")
    name = " ".join(args) or "world"
    tk.Label(root, text=f"Hello, {name}!", padx=24, pady=12).pack()
    tk.Button(root, text="Quit", command=root.destroy).pack(pady=(0, 12))
    if quit_after is not None:
        root.after(quit_after, root.destroy)
    root.mainloop()
    print(f"tkhello: closed (Tcl {tk.TclVersion})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
