WHO = "right"
