HIDDEN = "hidden ok"
