"""Build experts by name; heavy or optional ones are imported only when asked for.

Names: "ocr"/"tesseract" (Tesseract text), "rapidocr" (RapidOCR text, ONNX),
"a11y"/"atspi" (the accessibility tree), "detector" (the ONNX element
detector), "vlm" (a model behind an OpenAI-compatible endpoint).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from .errors import ExpertUnavailable
from .experts import ElementExpert, VlmExpert
from .icon_candidates import Matcher, Recognizer
from .ocr import OcrConfig, OcrWord, TesseractOcr, TextReader
from .tess_inproc import InProcessTesseract
from .tiles import TiledReader

logger = logging.getLogger(__name__)

TEXT_NAMES = {"ocr": "tesseract", "tesseract": "tesseract", "rapidocr": "rapidocr"}
ELEMENT_NAMES = {"a11y": "atspi", "atspi": "atspi", "detector": "detector"}
KNOWN = (*TEXT_NAMES, *ELEMENT_NAMES, "vlm")


@dataclass
class ExpertSet:
    text: TextReader
    elements: list[ElementExpert] = field(default_factory=list)
    vlm: VlmExpert | None = None
    fallback: TextReader | None = None  # a second OCR, asked only when nothing else is sure
    icons: tuple[Recognizer, Matcher] | None = None  # names glyphs in detected boxes
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why


def _text_reader(name: str, lang: str) -> TextReader:
    if name == "rapidocr":
        from .rapid_ocr import RapidOcr

        return RapidOcr()
    return default_tesseract(lang)


def default_tesseract(lang: str = "eng", scale: float = 2.0) -> TiledReader:
    """Tesseract as the default grounder reads it: in this process where
    tesserocr is installed, behind the band cache."""
    config = OcrConfig(lang=lang, scales=(scale,))
    # In-process Tesseract skips a process start (~60 ms) per read; the binary
    # is the fallback where the tesserocr wheel is missing.
    in_process = InProcessTesseract.available()
    reader: TextReader = InProcessTesseract(config) if in_process else TesseractOcr(config)
    if scale != 2.0:
        reader.name = f"tesseract-{scale:g}x"  # the evidence says which reading found it
    # Between agent steps most of the screen stays the same: re-read only
    # where it changed.
    return TiledReader(reader)


class _LazyRapidOcr:
    """RapidOCR, loaded on first use: most runs never need the second OCR."""

    name = "rapidocr"

    def __init__(self) -> None:
        self._reader: TextReader | None = None
        self._lock = threading.Lock()

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        with self._lock:
            if self._reader is None:
                from .rapid_ocr import RapidOcr

                self._reader = RapidOcr()
        return self._reader.read_words(image)


def _fallback_reader(primary: str, explicit: bool, lang: str) -> TextReader | None:
    if primary == "rapidocr":
        return None
    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        if explicit:
            raise ExpertUnavailable("RapidOCR is not installed: pip install rapidocr-onnxruntime")
        logger.info("second OCR: Tesseract at 1x (rapidocr-onnxruntime is not installed)")
        return default_tesseract(lang, scale=1.0)
    return _LazyRapidOcr()


def _element_expert(name: str) -> ElementExpert:
    if name == "atspi":
        from .a11y.atspi import AtspiExpert

        if not AtspiExpert.available():
            raise ExpertUnavailable(
                "accessibility is off: no AT-SPI bus answers (install at-spi2-core and run "
                "apps in a D-Bus session)"
            )
        # Only the focused app: AT-SPI cannot tell which windows are covered.
        return AtspiExpert(focused_app_only=True)
    from .detector.onnx_detector import OnnxDetector
    from .incremental import IncrementalExpert

    # Like OCR, the detector re-runs only where the screen changed. It runs
    # beside Tesseract (one core), so it takes the cores left: on two cores,
    # one intra-op thread made cold parses ~20 ms faster (28 of 36 paired
    # runs) than two threads contending with Tesseract.
    threads = max(1, min(4, os.cpu_count() or 1) - 1)
    return IncrementalExpert(OnnxDetector(threads=threads))


def _icons() -> tuple[Recognizer, Matcher]:
    from .icons.match import default_matcher
    from .icons.recognizer import IconRecognizer

    return IconRecognizer.default(), default_matcher()


def _vlm() -> VlmExpert:
    from .vlm import VlmConfig, VlmGrounder

    config = VlmConfig.from_env()
    if config is None:
        raise ExpertUnavailable(
            "no VLM endpoint configured: set DESKTOP_AGENT_VLM_BASE_URL and "
            "DESKTOP_AGENT_VLM_MODEL (any OpenAI-compatible server: vLLM, Ollama, LM Studio)"
        )
    return VlmGrounder(config)


def build_experts(names: Sequence[str] | None, *, lang: str = "eng") -> ExpertSet:
    """Experts by name. None means: everything that works here, quietly skipping the rest.

    Asking by name for an expert that cannot run raises ExpertUnavailable.
    """
    explicit = names is not None
    wanted = list(names) if names is not None else ["tesseract", "atspi", "detector", "vlm"]
    unknown = [n for n in wanted if n not in KNOWN]
    if unknown:
        raise ExpertUnavailable(
            f"unknown expert(s) {', '.join(unknown)}; known: {', '.join(KNOWN)}"
        )
    text_names = [TEXT_NAMES[n] for n in wanted if n in TEXT_NAMES] or ["tesseract"]
    experts = ExpertSet(text=_text_reader(text_names[0], lang))
    if not explicit or (len(text_names) > 1 and text_names[1] == "rapidocr"):
        experts.fallback = _fallback_reader(text_names[0], explicit, lang)
    elif text_names[0] == "tesseract":
        # Tesseract alone: its 1x reading is the second opinion. At 2x it
        # loses a label that sits close to a field's border ("Name:" beside a
        # text entry), which it keeps at 1x; reading 1x on every frame cost
        # ~90 ms of each cold parse for no query of the grounding bench.
        experts.fallback = default_tesseract(lang, scale=1.0)
    for name in dict.fromkeys(ELEMENT_NAMES[n] for n in wanted if n in ELEMENT_NAMES):
        try:
            experts.elements.append(_element_expert(name))
        except ExpertUnavailable as exc:
            if explicit:
                raise
            experts.skipped[name] = str(exc)
            logger.info("expert %s skipped: %s", name, exc)
    if any(getattr(e, "name", "") == "detector" for e in experts.elements):
        try:
            experts.icons = _icons()
        except ExpertUnavailable as exc:
            experts.skipped["icons"] = str(exc)
    if "vlm" in wanted:
        try:
            experts.vlm = _vlm()
        except ExpertUnavailable as exc:
            if explicit:
                raise
            experts.skipped["vlm"] = str(exc)
    return experts
