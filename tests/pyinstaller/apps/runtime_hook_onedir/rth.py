import os, sys
os.environ["FROM_RTH"] = "set by the runtime hook"
sys.rth_main_loaded = "__main__" in sys.modules and hasattr(sys.modules["__main__"], "__file__")
