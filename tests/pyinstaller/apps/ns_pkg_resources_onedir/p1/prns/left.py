WHO = "left"
