"""The dashboard: a local Solara web app to edit and run scenarios, browse the run store and
compare runs (``yinqi dashboard``). Modules: ``form`` (the schema-generated form), ``store`` (the
run store), ``jobs``/``worker`` (runs in background processes), ``charts``, ``widgets``,
``views`` and ``app`` (the page), ``server`` (127.0.0.1 only), ``screenshots``.
"""
