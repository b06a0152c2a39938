HEAVY = True
