"""The icon expert's parts: what an icon crop means, and whether a description names it.

    recognizer = IconRecognizer.default()          # the shipped ONNX model
    meanings = recognizer.recognize([crop])[0]     # [("document-save", 0.93), ...]
    match_icon("the Save button", meanings)        # 0..1

Runtime code here needs numpy, Pillow and onnxruntime only; rendering
(synth/) and training (model, train, export) need the `train` extra.
"""

from .match import IconMatcher, default_matcher, match_icon
from .preprocess import INPUT_SIZE, prepare_batch, prepare_crop
from .recognizer import IconRecognizer, default_model_path
from .vocab import NONE, Meaning, load_vocabulary, normalize_icon_name, words

__all__ = [
    "INPUT_SIZE",
    "NONE",
    "IconMatcher",
    "IconRecognizer",
    "Meaning",
    "default_matcher",
    "default_model_path",
    "load_vocabulary",
    "match_icon",
    "normalize_icon_name",
    "prepare_batch",
    "prepare_crop",
    "words",
]
