"""Gradient descent, step by step: `streamlit run app.py`.

The page is the package `ui/` (its entry point ui.view.main); this entry script only runs it.
Streamlit compiles its entry script again for every session that connects (it clears its script
cache whenever a session starts) and runs it from the top on every rerun, cache decorators
included; an imported module is compiled once per process and its cached functions are made once.
Keeping this script to an import and a call saves about 6 ms of server CPU a page view
(bench/page.py).
"""

from ui.view import main

main()
