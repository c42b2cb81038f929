"""Synthetic training data for the element detector.

Training-time only: the Qt generator (`qt_scenes.generate_qt`) needs PySide6
and the web generator (`web_scenes.generate_web`) needs Chromium; both come
with the `train` extra (`pip install -e '.[train]'`). Nothing here is imported
by the runtime grounding code, and this package imports neither on its own.
"""
