"""Learning from a teacher detector's outputs (knowledge distillation).

A smaller detector made from the shipped one (grounding.detector.prune)
should keep what the shipped one learned over several fine-tunes, including
what no label says (teacher marks, the model soup), not only what the
labels of the data at hand teach. So beside the label losses it learns the
teacher's outputs on the same crops:

- heat: the KL divergence between the teacher's and the model's per-class
  element probabilities at every cell, summed and divided by the teacher's
  total probability mass (about its number of elements, as the label loss is
  normalised);
- size and offset: L1 to the teacher's, weighted by the teacher's belief that
  an element's centre is at that cell (where the boxes come from).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.nn import functional as F

from .from_onnx import load_detector
from .model import ElementDetector

CENTRE_FLOOR = 0.05  # cells where the teacher sees no element at all teach no box


def load_teacher(path: Path, device: torch.device) -> ElementDetector:
    """The teacher from a checkpoint or an exported model, frozen, in eval mode."""
    teacher = load_detector(path).to(device).eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return teacher


def _binary_kl(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per cell KL(target || sigmoid(logits)) of Bernoulli probabilities."""
    eps = 1e-6
    t = target.clamp(eps, 1 - eps)
    entropy = -(t * t.log() + (1 - t) * (1 - t).log())
    return F.binary_cross_entropy_with_logits(logits, t, reduction="none") - entropy


def distill_loss(outputs: tuple[torch.Tensor, ...], teacher: tuple[torch.Tensor, ...],
                 weight: float) -> dict[str, torch.Tensor]:  # fmt: skip
    """{"distill": weight x (heat + size + offset terms)} for one batch; both tuples are
    (heat logits, size, offset) as ElementDetector returns them."""
    logits, size, offset = (o.float() for o in outputs)
    t_logits, t_size, t_offset = (o.float() for o in teacher)
    probs = torch.sigmoid(t_logits)
    heat = _binary_kl(logits, probs).sum() / probs.sum().clamp(min=1.0)
    centre = probs.amax(1, keepdim=True)
    centre = centre * (centre >= CENTRE_FLOOR)
    mass = centre.sum().clamp(min=1e-3)
    boxes = ((size - t_size).abs() * centre).sum() / mass
    boxes = boxes + ((offset - t_offset).abs() * centre).sum() / mass
    return {"distill": weight * (heat + boxes)}
