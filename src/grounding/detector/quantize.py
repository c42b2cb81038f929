"""The detector with 8-bit activations and 7-bit weights: its graph ~28 % faster on a CPU.

`python -m grounding.detector.quantize --model IN.onnx --data DIR [DIR ...] --out OUT.onnx`

onnxruntime's static quantization (QDQ format): weights signed 7-bit per
output channel, activations unsigned 8-bit with ranges measured by running
the float model on screenshots of the given datasets. onnxruntime then runs
the convolutions as integer kernels in NHWC layout, where the pointwise ones
take about half the time of their float twins on an AVX2 CPU. Four changes
keep it correct and fast:

- No sum overflows. On CPUs without VNNI, onnxruntime's u8 x s8 kernel sums
  pairs of products into 16 bits: 255 x 127 twice does not fit, 255 x 64
  twice does, so the weights get 7 bits (reduce_range). The first
  convolution stays float: it sees raw pixels, which a light theme sets to
  255 over whole windows. With 8-bit weights its sums overflowed (a light
  frame gave no elements at all); with 7-bit ones, its 27 weights an output
  were too coarse (half of a light frame's elements lost, in simulated
  quantization too). With three input channels it is no slower in float.
- The head's last convolution computes the class logits, the box sizes and
  the offsets as one tensor, quantized with one step: too coarse for box
  sizes. Its size and offset channels are mapped onto the logits' range (and
  back after the Split that cuts them apart), at no cost in time.
- Each nearest 2x upsampling (Resize) becomes an explicit NHWC expansion of
  the bytes (Transpose, Unsqueeze, Expand, Reshape, Transpose back; the
  transposes cancel against the NHWC layout around it). onnxruntime's uint8
  Resize has no fast path in NHWC: ~10 ms of a 1920x1080 frame, more than all
  that the integer convolutions save. The result is the same bytes.
- The graph ends in the last convolution's bytes (quantize_graph.cut_at_head):
  the float tail (dequantize, Split, sigmoid, the 3x3 max-pool that keeps the
  peaks) took 2-4 ms of a 1920x1080 frame, run over every cell; the runtime
  (codec.decode_quantized) finds the same peaks on the bytes, looking only at
  the cells above its threshold. The metadata says how to read the bytes.

The float model stays the one training reads (`--init`, `--distill`, prune,
average); the quantized one records the float file's SHA-256, so a
stale copy is easy to see (a test compares them for the shipped pair).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
from onnx import helper, numpy_helper
from PIL import Image

from .codec import HEAD_KEY, prepare
from .dataset import read_dataset
from .quantize_graph import cut_at_head, expand_upsampling

logger = logging.getLogger(__name__)

SOURCE_KEY = "quantized_from"  # metadata: SHA-256 of the float model it was made from
QUANTIZED_KEY = "quantized"
DEFAULT_IMAGES = 75


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def calibration_images(folders: Sequence[Path], count: int) -> list[Path]:
    """Up to `count` images spread evenly over the folders' records (every k-th)."""
    paths = [r.path for folder in folders for r in read_dataset(Path(folder), teacher=False)]
    if not paths:
        raise SystemExit(f"no images in {', '.join(map(str, folders))}: build a dataset first "
                         "(README, developer section)")  # fmt: skip
    step = max(1, len(paths) // count)
    return paths[::step][:count]


def _frames(paths: Sequence[Path], scale: float) -> Iterator[dict[str, np.ndarray]]:
    for path in paths:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        yield {"image": prepare(rgb, scale)[0]}


def _output_split(model: onnx.ModelProto,
                  ) -> tuple[onnx.NodeProto, onnx.NodeProto, list[int]] | None:  # fmt: skip
    """The head's last Conv and the Split along channels that is its only consumer, with
    the split sizes; None if the graph has no such pair."""
    graph = model.graph
    init = {i.name: i for i in graph.initializer}
    consts = {n.output[0]: n.attribute[0].t for n in graph.node if n.op_type == "Constant"}
    producer = {out: n for n in graph.node for out in n.output}
    for split in [n for n in graph.node if n.op_type == "Split"]:
        conv = producer.get(split.input[0])
        axis = next((a.i for a in split.attribute if a.name == "axis"), 0)
        if conv is None or conv.op_type != "Conv" or axis != 1 or len(split.input) < 2:
            continue
        if sum(split.input[0] in n.input for n in graph.node) != 1 or len(conv.input) < 3:
            continue
        sizes = numpy_helper.to_array(consts.get(split.input[1]) or init[split.input[1]])
        return conv, split, [int(v) for v in sizes]
    return None


def _channel_ranges(model: onnx.ModelProto, output: str, feeds: Sequence[dict[str, np.ndarray]],
                    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per-channel min and max of tensor `output` of the float `model` over `feeds`."""
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.append(onnx.ValueInfoProto(name=output))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    low, high = None, None
    for feed in feeds:
        values = session.run([output], feed)[0]
        lo, hi = values.min(axis=(0, 2, 3)), values.max(axis=(0, 2, 3))
        low = lo if low is None else np.minimum(low, lo)
        high = hi if high is None else np.maximum(high, hi)
    assert low is not None
    assert high is not None
    return low, high


class BoxMapping(NamedTuple):
    nodes: list[str]  # the nodes that map the box channels back (they stay float)
    conv_output: str  # the head's last Conv's output
    unscale: np.ndarray  # per box channel: value = mapped x unscale + unshift
    unshift: np.ndarray


def _balance_output_conv(
    model: onnx.ModelProto, feeds: Sequence[dict[str, np.ndarray]]
) -> BoxMapping | None:
    """Map the box channels (sizes, offsets) of the head's last Conv affinely onto the
    class logits' range, and back after its Split (None: the graph has no such Conv).

    That Conv's output is one tensor, quantized with one step over its whole span
    (the logits' ~-13 to the log sizes' ~5: a step of ~0.07, so a box's size
    within ~4 %). Spread over the logits' span alone, the sizes get a step ~3x
    finer and the offsets ~10x, at no cost in time: one Conv and one Split as
    before, and a multiply-add on the four box channels.
    """
    found = _output_split(model)
    if found is None:
        return None
    conv, split, sizes = found
    low, high = _channel_ranges(model, conv.output[0], feeds)
    heat = sizes[0]
    room_low, room_high = float(low[:heat].min()), float(high[:heat].max())
    gain = np.ones(len(low), np.float32)
    shift = np.zeros(len(low), np.float32)
    for c in range(heat, len(low)):
        # 0.9: some room for values past the calibration images' extremes
        gain[c] = 0.9 * (room_high - room_low) / max(float(high[c] - low[c]), 1e-6)
        shift[c] = (room_high + room_low) / 2 - gain[c] * (high[c] + low[c]) / 2
    graph = model.graph
    init = {i.name: i for i in graph.initializer}
    weight = numpy_helper.to_array(init[conv.input[1]])
    bias = numpy_helper.to_array(init[conv.input[2]])
    init[conv.input[1]].CopyFrom(
        numpy_helper.from_array(
            (weight * gain.reshape(-1, 1, 1, 1)).astype(weight.dtype), conv.input[1]
        )
    )
    init[conv.input[2]].CopyFrom(
        numpy_helper.from_array((bias * gain + shift).astype(bias.dtype), conv.input[2])
    )
    start = heat
    at = list(graph.node).index(split) + 1
    for part, size in zip(list(split.output[1:]), sizes[1:], strict=True):
        split.output[list(split.output).index(part)] = part + "_mapped"
        scale = (1.0 / gain[start : start + size]).reshape(1, size, 1, 1)
        offset = (-shift[start : start + size] / gain[start : start + size]).reshape(1, size, 1, 1)
        graph.initializer.extend(
            [
                numpy_helper.from_array(scale, part + "_unscale"),
                numpy_helper.from_array(offset, part + "_unshift"),
            ]
        )
        graph.node.insert(
            at,
            helper.make_node(
                "Mul",
                [part + "_mapped", part + "_unscale"],
                [part + "_scaled"],
                name=part + "_unscale",
            ),
        )
        graph.node.insert(
            at + 1,
            helper.make_node(
                "Add", [part + "_scaled", part + "_unshift"], [part], name=part + "_unshift"
            ),
        )
        at += 2
        start += size
    logger.info(
        "box channels mapped onto the logits' range, gains %s", np.round(gain[heat:], 2).tolist()
    )
    nodes = [n.name for n in graph.node if n.name.endswith(("_unscale", "_unshift"))]
    boxes = slice(heat, len(low))
    return BoxMapping(nodes, conv.output[0], (1.0 / gain[boxes]).astype(np.float32),
                      (-shift[boxes] / gain[boxes]).astype(np.float32))  # fmt: skip


def quantize_detector(model: Path, folders: Sequence[Path], out: Path,
                      images: int = DEFAULT_IMAGES) -> Path:  # fmt: skip
    """`model` (a float detector) quantized on `images` screenshots of `folders`, at `out`."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    proto = onnx.load(str(model))
    meta = {p.key: p.value for p in proto.metadata_props}
    if QUANTIZED_KEY in meta:
        raise SystemExit(f"{model} is already quantized: give the float model")
    scale = float(meta.get("input_scale", "1"))
    paths = calibration_images(folders, images)
    logger.info("measuring activation ranges on %d images", len(paths))

    feeds = list(_frames(paths, scale))  # decoded once, for both passes (~4 MB a frame)

    class Frames(CalibrationDataReader):
        def __init__(self) -> None:
            self._feeds = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._feeds, None)

    first_conv = next(n.name for n in proto.graph.node if n.op_type == "Conv")
    mapping = _balance_output_conv(proto, feeds)
    kept_float = mapping.nodes if mapping is not None else []
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source, staged = Path(tmp) / "float.onnx", Path(tmp) / "qdq.onnx"
        onnx.save(proto, str(source))
        quantize_static(
            str(source), str(staged), Frames(), quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            op_types_to_quantize=["Conv", "Add", "Resize", "Relu"],
            nodes_to_exclude=[first_conv, *kept_float], calibrate_method=CalibrationMethod.MinMax,
            reduce_range=True,  # 7-bit weights: no 16-bit sum overflows (module doc)
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )  # fmt: skip
        quantized = onnx.load(str(staged))
    count = expand_upsampling(quantized)
    del quantized.metadata_props[:]
    how = f"int8 weights (7 bits), uint8 activations ({len(paths)} images)"
    entries = {**meta, QUANTIZED_KEY: how, SOURCE_KEY: file_digest(model)}
    if mapping is not None:
        head = cut_at_head(quantized, mapping.conv_output, mapping.unscale, mapping.unshift)
        entries[HEAD_KEY] = head.to_metadata()
    for key, value in entries.items():
        entry = quantized.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(quantized, str(out))
    logger.info(
        "quantized %s -> %s (%d box outputs mapped, %d upsamplings on bytes)",
        model,
        out,
        len(kept_float) // 2,
        count,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the float detector")
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="dataset folders whose screenshots set the activation ranges "
                             "(a GTK set with light and dark themes)")  # fmt: skip
    parser.add_argument(
        "--images",
        type=int,
        default=DEFAULT_IMAGES,
        help=f"screenshots to measure on (default {DEFAULT_IMAGES})",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    quantize_detector(args.model, args.data, args.out, args.images)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
