"""Colours as the contrast check needs them: read from CSS, WCAG 2 contrast ratios, and
lightness inverted the way mail clients' own dark modes do it.

Inversion keeps a colour's hue and chroma and mirrors its CIELAB lightness
(L* becomes 100 minus L*): white becomes black, a dark brown a light one, a mid-tone stays near
the middle. Gmail and Outlook do not publish their algorithms; this is the model their
observed results follow closely, and the one the tests hold every email to.
"""

from __future__ import annotations

import re

RGB = tuple[float, float, float]  # sRGB, each 0..1

NAMED = {"white": "#ffffff", "black": "#000000"}
_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})\b", re.IGNORECASE)
_RGB = re.compile(r"rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)", re.IGNORECASE)
# D65 white point, as sRGB uses.
_WHITE = (0.95047, 1.0, 1.08883)


def parse_color(value: str) -> RGB | None:
    """The first colour written in ``value`` (hex, rgb() or white/black), or None."""
    text = value.strip().lower()
    for word in re.findall(r"[a-z]+", text):
        if word in NAMED:
            text = text.replace(word, NAMED[word])
    if found := _HEX.search(text):
        digits = found.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    if found := _RGB.search(text):
        return tuple(min(int(n), 255) / 255 for n in found.groups())  # type: ignore[return-value]
    return None


def to_hex(color: RGB) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in color)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _gamma(channel: float) -> float:
    channel = min(max(channel, 0.0), 1.0)
    return channel * 12.92 if channel <= 0.0031308 else 1.055 * channel ** (1 / 2.4) - 0.055


def relative_luminance(color: RGB) -> float:
    """WCAG 2's relative luminance."""
    r, g, b = (_linear(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _xyz(color: RGB) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in color)
    return (0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
            0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
            0.0193339 * r + 0.1191920 * g + 0.9503041 * b)


def _f(t: float) -> float:
    return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29


def _f_inverse(t: float) -> float:
    return t ** 3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)


def to_lab(color: RGB) -> tuple[float, float, float]:
    fx, fy, fz = (_f(v / w) for v, w in zip(_xyz(color), _WHITE, strict=True))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def from_lab(lightness: float, a: float, b: float) -> RGB:
    fy = (lightness + 16) / 116
    x, y, z = (_f_inverse(f) * w for f, w in zip((fy + a / 500, fy, fy - b / 200), _WHITE,
                                                  strict=True))
    r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z
    g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z
    b_ = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z
    return _gamma(r), _gamma(g), _gamma(b_)


def lightness(color: RGB) -> float:
    """CIELAB L*, 0 (black) to 100 (white)."""
    return to_lab(color)[0]


def invert_lightness(color: RGB) -> RGB:
    lightness_, a, b = to_lab(color)
    return from_lab(100 - lightness_, a, b)
