"""The icon recognizer network: a small VGG-style CNN over 32x32 two-channel crops.

Four stages of 3x3 convolutions with batch norm (folded into the convolutions
by onnxruntime at load), global average pooling and one linear layer. About
0.4 M parameters at width 24: a 1.5 MB ONNX file, well under a millisecond a
crop on one CPU core.
"""

from __future__ import annotations

import torch
from torch import nn

from .preprocess import CHANNELS


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class IconNet(nn.Module):
    def __init__(self, num_classes: int, width: int = 24, dropout: float = 0.2) -> None:
        super().__init__()
        w1, w2, w3, w4 = width, 2 * width, 4 * width, 8 * width
        self.width = width
        self.features = nn.Sequential(
            _conv(CHANNELS, w1), _conv(w1, w1), nn.MaxPool2d(2),  # 16 x 16
            _conv(w1, w2), _conv(w2, w2), nn.MaxPool2d(2),  # 8 x 8
            _conv(w2, w3), _conv(w3, w3), nn.MaxPool2d(2),  # 4 x 4
            _conv(w3, w4),
        )  # fmt: skip
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(w4, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, classes) for inputs (N, CHANNELS, S, S)."""
        return self.head(self.features(x))


class WithSoftmax(nn.Module):
    """What is exported: probabilities, so the runtime needs no math of its own."""

    def __init__(self, net: IconNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)
