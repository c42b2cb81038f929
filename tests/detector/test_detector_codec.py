"""The detector's target encoding and output decoding invert each other."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from grounding.detector.codec import STRIDE, Detection, decode, prepare, resize, suppress
from grounding.detector.dataset import LabeledBox, Record
from grounding.detector.metrics import average_precision, iou_matrix, match
from grounding.detector.targets import augment, encode


def _peaks(heat: np.ndarray) -> np.ndarray:
    """What the exported graph does: keep 3x3 local maxima."""
    padded = np.pad(heat, ((0, 0), (1, 1), (1, 1)), constant_values=-1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    return heat * (heat == windows.max(axis=(-1, -2)))


def test_encoded_targets_decode_back_to_the_boxes() -> None:
    boxes = np.asarray([[10, 12, 90, 40], [200, 100, 216, 116], [40, 150, 300, 180]], np.float32)
    classes = np.asarray([0, 2, 1])
    t = encode(boxes, classes, 256 // STRIDE, 320 // STRIDE, num_classes=12)
    assert t.mask.sum() == 3
    assert (t.heat.max(axis=(1, 2))[[0, 1, 2]] == 1.0).all()
    dets = decode(_peaks(t.heat), t.size, t.offset, threshold=0.99)
    got = sorted(
        (d.cls, round(d.left), round(d.top), round(d.right), round(d.bottom)) for d in dets
    )
    want = sorted((int(c), *map(int, b)) for c, b in zip(classes, boxes, strict=True))
    assert got == want


def test_small_box_keeps_its_centre_next_to_a_big_one() -> None:
    # A checkbox inside a list row: both centres must survive encoding.
    boxes = np.asarray([[0, 0, 400, 40], [192, 12, 208, 28]], np.float32)
    t = encode(boxes, np.asarray([7, 2]), 16, 128, num_classes=12)
    dets = decode(_peaks(t.heat), t.size, t.offset, threshold=0.99)
    assert {d.cls for d in dets} == {7, 2}


def test_cut_off_elements_are_ignored_not_taught_as_background() -> None:
    kept = np.asarray([[40, 40, 72, 56]], np.float32)
    ignored = np.asarray([[0, 32, 256, 64]], np.float32)  # a row wider than the crop
    t = encode(kept, np.asarray([0]), 32, 64, num_classes=12, ignore=ignored)
    assert t.weight[:8].min() == 1.0
    assert t.weight[16:].min() == 1.0
    assert t.weight[9, 0] == 0.0
    assert t.weight[9, 60] == 0.0
    assert t.weight[12, 14] == 1.0  # the kept element's own cells are always taught
    assert encode(kept, np.asarray([0]), 32, 64, num_classes=12).weight.min() == 1.0


def test_augment_returns_cut_off_boxes_apart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wide.png"
    Image.new("RGB", (1600, 300), (240, 240, 240)).save(path)
    record = Record(path, 1600, 300, [LabeledBox(0, 100, 1600, 130, "list_item"),
                                      LabeledBox(10, 10, 50, 30, "button")], "gtk", 1)  # fmt: skip
    rng = __import__("random").Random(0)
    seen = 0
    for _ in range(20):
        image, _boxes, classes, ignored = augment(record, 128, 0.75, {"list_item": 7,
                                                                     "button": 0}, rng)  # fmt: skip
        assert image.shape == (3, 128, 128)
        assert 7 not in classes.tolist()  # never kept: at most 128 px of a 900+ px row
        for left, top, right, bottom in ignored:
            assert 0 <= left < right <= 128
            assert 0 <= top < bottom <= 128
            seen += 1
    assert seen > 0, "the row never fell in a crop"


def test_prepare_pads_to_the_grid_and_reports_the_way_back() -> None:
    image = Image.new("RGB", (1920, 1080), (255, 0, 0))
    array, back_x, back_y = prepare(image, 0.75)
    assert array.dtype == np.uint8
    assert array.shape == (1, 832, 1440, 3)  # 810 padded up to a multiple of ALIGN
    assert (array[0, :810, :1440] == (255, 0, 0)).all()
    assert array[0, 810:].max() == 0  # padding stays black
    assert back_x == pytest.approx(1920 / 1440)
    assert back_y == pytest.approx(1080 / 810)


def test_prepare_writes_the_same_pixels_as_a_plain_resize() -> None:
    # Resized straight into the padded array (a strided view when the width
    # is padded too): the pixels must be those of the plain resize.
    pixels = np.random.default_rng(1).integers(0, 256, (1000, 1900, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    array, _, _ = prepare(image, 0.75)
    assert array.shape == (1, 768, 1440, 3)  # 750 high, 1425 wide: both padded
    assert np.array_equal(array[0, :750, :1425], resize(image, (1425, 750)))
    assert array[0, 750:].max() == 0
    assert array[0, :, 1425:].max() == 0
    into = np.full((20, 30, 3), 7, np.uint8)
    assert resize(image, (10, 10), into=into[5:15, 5:15]) is not None
    assert np.array_equal(into[5:15, 5:15], resize(image, (10, 10)))
    outside = np.ones(into.shape[:2], bool)
    outside[5:15, 5:15] = False
    assert (into[outside] == 7).all()


def test_suppression_is_per_class() -> None:
    dets = [
        Detection(0, 0, 100, 30, cls=4, score=0.9),
        Detection(2, 0, 100, 30, cls=4, score=0.8),  # duplicate dropdown: dropped
        Detection(0, 0, 90, 30, cls=1, score=0.7),  # its entry, a field: kept
    ]
    kept = suppress(dets)
    assert [(d.cls, d.score) for d in kept] == [(4, 0.9), (1, 0.7)]


def test_average_precision_on_a_hand_computed_case() -> None:
    # Ranked hits: T F T with 3 truths -> precision at hits 1 and 2/3, recall steps of 1/3.
    ap = average_precision([0.9, 0.8, 0.7], [True, False, True], num_truth=3)
    assert ap == pytest.approx(1 / 3 * 1.0 + 1 / 3 * (2 / 3))
    assert average_precision([], [], num_truth=2) == 0.0


def test_greedy_match_takes_each_truth_once() -> None:
    truth = np.asarray([[0, 0, 10, 10]], np.float32)
    pred = np.asarray([[0, 0, 10, 10], [1, 0, 10, 10], [50, 50, 60, 60]], np.float32)
    hits = match(pred, np.asarray([0.5, 0.9, 0.8]), truth)
    assert hits.tolist() == [False, True, False]  # the higher score wins the truth
    assert iou_matrix(pred, truth)[2, 0] == 0.0


def test_resize_keeps_thin_strokes_sharper_than_pillows_antialiased_bilinear() -> None:
    # One-pixel strokes, as in text, borders and check marks: the runtime resize
    # (measured better on real apps) keeps more of their contrast at 3/4.
    rng = np.random.default_rng(0)
    pixels = np.full((600, 800, 3), 255, np.uint8)
    for col in rng.choice(800, 120, replace=False):
        pixels[:, col] = 0
    image = Image.fromarray(pixels)
    ours = resize(image, (600, 450)).astype(np.float32)
    pillow = np.asarray(image.resize((600, 450), Image.Resampling.BILINEAR), np.float32)
    assert ours.shape == pillow.shape == (450, 600, 3)
    assert abs(ours.mean() - pillow.mean()) < 2  # the same picture, no shift
    assert ours.std() > 1.1 * pillow.std()


def test_prepare_reads_a_file_opened_lazily(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    path = tmp_path / "frame.webp"
    Image.fromarray(rng.integers(0, 256, (224, 320, 3), dtype=np.uint8)).save(
        path, lossless=True, method=1, quality=50
    )  # as DatasetWriter writes them
    want = prepare(Image.open(path).convert("RGB"), 0.75)[0]
    got, back_x, back_y = prepare(Image.open(path), 0.75)
    assert np.array_equal(got, want)
    assert want[0, :168, :240].any()
    assert not want[0, 168:].any()
    assert (back_x, back_y) == (320 / 240, 224 / 168)


def _greedy_reference(detections: list[Detection], iou: float) -> list[Detection]:
    """Per-class greedy NMS written the plain way, pair by pair."""

    def overlap(a: Detection, b: Detection) -> float:
        iw = min(a.right, b.right) - max(a.left, b.left)
        ih = min(a.bottom, b.bottom) - max(a.top, b.top)
        if iw <= 0 or ih <= 0:
            return 0.0
        inter = iw * ih
        union = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top)
        return inter / (union - inter)

    kept: list[Detection] = []
    for det in detections:
        if all(k.cls != det.cls or overlap(k, det) < iou for k in kept):
            kept.append(det)
    return kept


def test_suppress_matches_pairwise_greedy_nms_on_crowded_frames() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(1, 300))
        xy = rng.uniform(0, 400, (n, 2))
        wh = rng.uniform(5, 80, (n, 2))
        scores = np.sort(rng.uniform(0, 1, n))[::-1]
        dets = [Detection(float(x), float(y), float(x + w), float(y + h), int(c), float(s))
                for (x, y), (w, h), c, s in zip(xy, wh, rng.integers(0, 3, n), scores,
                                                strict=True)]  # fmt: skip
        got = suppress(dets, 0.5)
        assert got == _greedy_reference(dets, 0.5)
        assert 0 < len(got) <= n


def test_prepare_takes_the_pixels_as_well_as_the_image() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (101, 203, 3), dtype=np.uint8)
    for scale in (1.0, 0.75):
        from_image = prepare(Image.fromarray(pixels), scale)
        from_pixels = prepare(pixels, scale)
        assert np.array_equal(from_image[0], from_pixels[0])
        assert from_image[1:] == from_pixels[1:]
