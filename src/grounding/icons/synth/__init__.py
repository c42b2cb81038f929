"""Training-data rendering for the icon recognizer: themes on disk, Qt rasteriser, buttons.

`render` imports PySide6 (the `train` extra); `themes` and `compose` need only
the standard library, numpy and Pillow.
"""
