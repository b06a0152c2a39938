from .. import sib
VALUE = "deep+" + sib.S
