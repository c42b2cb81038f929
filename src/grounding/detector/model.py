"""The element detector network: a small anchor-free one-stage detector (PyTorch).

CenterNet-style: at 1/4 of the input resolution the head predicts, per
class, a heat map whose peaks are element centres, plus each centre's box
size (log width/height in input pixels) and sub-cell offset. A light
MobileNet-like backbone with a small top-down pyramid keeps a 1920x1080 frame
(run at 3/4 scale) within tens of milliseconds on two CPU cores. The peak
picking (3x3 max-pool) is part of the exported graph so the runtime needs
only numpy.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn import functional as F


def _conv(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class _Block(nn.Module):
    """Depthwise-separable residual block (depthwise 3x3, then pointwise)."""

    def __init__(self, channels: int, dilation: int = 1) -> None:
        super().__init__()
        self.depthwise = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, dilation, dilation=dilation,
                      groups=channels, bias=False),
            nn.BatchNorm2d(channels),
        )  # fmt: skip
        self.pointwise = _conv(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pointwise(self.depthwise(x))


def _down(cin: int, cout: int, blocks: int, dilations: tuple[int, ...] = ()) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cin, 3, 2, 1, groups=cin, bias=False),
        nn.BatchNorm2d(cin),
        _conv(cin, cout, 1),
    ]
    for i in range(blocks):
        layers.append(_Block(cout, dilations[i] if i < len(dilations) else 1))
    return nn.Sequential(*layers)


def _up2(x: torch.Tensor) -> torch.Tensor:
    """Nearest 2x upsampling by a constant factor, not to a computed size: the
    exported Resize then has constant scales, which onnxruntime runs in its
    blocked (NCHWc) layout without converting the maps back and forth (a
    1920x1080 frame: 52 -> 40 ms on two cores). Exact because input sides
    are multiples of 32 (codec.ALIGN), so every level is half the one above."""
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


FUSE_LEVELS = (4, 8)
FUSE_LEVEL_KEY = "fuse_level"  # exported models say where their fuse block is; absent: 4


class ElementDetector(nn.Module):
    """Returns (heat, size, offset) at 1/4 resolution; heat is already peak-filtered."""

    def __init__(self, num_classes: int, width: int = 32, pyramid: int | None = None,
                 fuse_level: int = 4) -> None:  # fmt: skip
        """width: the backbone's first stage (the others 2, 3 and 4 times it); pyramid:
        the channels of the top-down pyramid and the head at 1/4 resolution, where
        most of a frame's work is (default twice width); fuse_level: the pyramid level
        (4 or 8: 1/4 or 1/8 resolution) of the fuse block, whose parameters are the
        same either way. At 1/8 it costs a quarter of the work (~5 ms less a
        1920x1080 frame), and the finest level is only the lateral and the head."""
        super().__init__()
        if fuse_level not in FUSE_LEVELS:
            raise ValueError(f"fuse_level {fuse_level} is not one of {FUSE_LEVELS}")
        w = width
        p = pyramid or 2 * w
        self.width, self.pyramid, self.fuse_level = w, p, fuse_level
        self.stem = nn.Sequential(_conv(3, 16, 3, 2), _conv(16, w, 3, 2))  # 1/4
        self.stage4 = nn.Sequential(_Block(w))
        self.stage8 = _down(w, 2 * w, 2)
        self.stage16 = _down(2 * w, 3 * w, 2, (1, 2))
        self.stage32 = _down(3 * w, 4 * w, 3, (1, 2, 4))
        self.lateral16 = _conv(3 * w, p, 1)
        self.top32 = _conv(4 * w, p, 1)
        self.lateral8 = _conv(2 * w, p, 1)
        self.lateral4 = _conv(w, p, 1)
        self.fuse = _Block(p)
        self.head = nn.Sequential(
            nn.Conv2d(p, p, 3, 1, 1, groups=p, bias=False),
            nn.BatchNorm2d(p),
            _conv(p, p, 1),
        )
        self.heat = nn.Conv2d(p, num_classes, 1)
        self.size = nn.Conv2d(p, 2, 1)
        self.offset = nn.Conv2d(p, 2, 1)
        nn.init.constant_(self.heat.bias, -4.6)  # type: ignore[arg-type]  # prior 1%: focal loss starts stable

    def features(self, image: torch.Tensor) -> torch.Tensor:
        c4 = self.stage4(self.stem(image))
        c8 = self.stage8(c4)
        c16 = self.stage16(c8)
        c32 = self.stage32(c16)
        p16 = self.lateral16(c16) + _up2(self.top32(c32))
        p8 = self.lateral8(c8) + _up2(p16)
        if self.fuse_level == 8:
            return self.head(self.lateral4(c4) + _up2(self.fuse(p8)))
        p4 = self.lateral4(c4) + _up2(p8)
        return self.head(self.fuse(p4))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """image: N x 3 x H x W in [0, 1], H and W multiples of 32 (the maps of
        other sides would not line up in the top-down pyramid)."""
        feats = self.features(image)
        return self.heat(feats), self.size(feats), self.offset(feats)


def from_bytes(image: torch.Tensor) -> torch.Tensor:
    """N x H x W x 3 uint8 (what codec.prepare gives) -> N x 3 x H x W in [0, 1]."""
    return image.permute(0, 3, 1, 2).float() / 255.0


# Exported models say in their metadata which pixel range their first
# convolution's weights expect; a model without the key divides by 255 in the graph.
PIXELS_KEY = "first_conv_pixels"
BYTE_PIXELS = "0..255"


def first_conv(model: ElementDetector) -> nn.Conv2d:
    """The convolution that sees the pixels."""
    conv = next(iter(model.stem[0].children()))
    assert isinstance(conv, nn.Conv2d)
    return conv


def with_byte_input(model: ElementDetector) -> ElementDetector:
    """A copy of `model` that takes pixels in 0..255: its first convolution's
    weights divided by 255 (it has no bias, and its zero padding stays zero),
    so the exported graph has no per-pixel division (~2 ms of a 1920x1080 frame)."""
    folded = copy.deepcopy(model)
    with torch.no_grad():
        first_conv(folded).weight.mul_(1.0 / 255.0)
    return folded


def head_convs(model: ElementDetector) -> tuple[nn.Conv2d, nn.Conv2d, nn.Conv2d]:
    """The 1x1 convolutions that read the features: heat, size and offset, in that order."""
    return model.heat, model.size, model.offset


def merged_heads(model: ElementDetector, feats: torch.Tensor,
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
    """model's (heat, size, offset) of `feats` by one convolution (their weights stacked),
    split after: the graph reads the 1/4-resolution features once rather than three
    times (~1.2 ms of a 1920x1080 frame). Exact: the same sums per output channel."""
    heads = head_convs(model)
    biases = [h.bias for h in heads]
    if any(b is None for b in biases):
        raise ValueError("merged_heads needs every head convolution to have its bias")
    weight = torch.cat([h.weight for h in heads])
    bias = torch.cat([b for b in biases if b is not None])
    logits, size, offset = torch.split(F.conv2d(feats, weight, bias),
                                       [h.out_channels for h in heads], dim=1)  # fmt: skip
    return logits, size, offset


class ExportWrapper(nn.Module):
    """The inference graph: bytes in; sigmoid heat with non-peaks zeroed, size, offset out,
    the three from one convolution (merged_heads).

    bytes_in: `model` takes pixels in 0..255 (with_byte_input) rather than 0..1.
    """

    def __init__(self, model: ElementDetector, bytes_in: bool = False) -> None:
        super().__init__()
        self.model, self.bytes_in = model, bytes_in

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pixels = image.permute(0, 3, 1, 2).float() if self.bytes_in else from_bytes(image)
        logits, size, offset = merged_heads(self.model, self.model.features(pixels))
        heat = torch.sigmoid(logits)
        peaks = F.max_pool2d(heat, 3, 1, 1)
        return heat * (heat == peaks).to(heat.dtype), size, offset
