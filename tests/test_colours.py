"""Status colours that stay apart under colour-vision deficiencies, and text that meets WCAG AA.

Colour-vision deficiency is simulated with Machado, Oliveira & Fernandes (2009), severity 1.0 (full
protanopia, deuteranopia, tritanopia), applied to linear sRGB — the matrices Chrome's and Firefox's
DevTools use. Two colours count as distinct when their CIE76 distance in CIELAB (D65) is at least
``MIN_DELTA_E`` after the simulation; the old palette (green / amber / grey) fails that under protanopia,
which is how issue 11 found it ("qualified" and "review" merge).

Contrast is WCAG 2's: (L1 + 0.05) / (L2 + 0.05) of the relative luminances; AA for text is 4.5:1.

Run ``python tests/test_colours.py`` to print the figures.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from ui import charts, components

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
VISIONS = ["normal", *MACHADO]
MIN_DELTA_E = 30.0
AA = 4.5
WHITE = "#ffffff"
OLD_STATUS_COLORS = {"qualified": "#1e8e3e", "review": "#d98e04", "not_qualified": "#80868b"}
THEME = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())["theme"]


def srgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def simulate(hex_colour: str, vision: str) -> np.ndarray:
    """The colour as a person with ``vision`` sees it, in linear sRGB."""
    rgb = linear(srgb(hex_colour))
    return rgb if vision == "normal" else np.clip(np.array(MACHADO[vision]) @ rgb, 0, 1)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = np.array(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
    )
    x, y, z = (xyz @ rgb_linear) / np.array([0.95047, 1.0, 1.08883])
    f = [np.cbrt(t) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in (x, y, z)]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str) -> float:
    return float(np.linalg.norm(lab(simulate(a, vision)) - lab(simulate(b, vision))))


def luminance(hex_colour: str) -> float:
    return float(np.array([0.2126, 0.7152, 0.0722]) @ linear(srgb(hex_colour)))


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def distances(colours: dict[str, str]) -> dict[str, dict[str, float]]:
    return {
        vision: {f"{a}/{b}": delta_e(colours[a], colours[b], vision) for a, b in itertools.combinations(colours, 2)}
        for vision in VISIONS
    }


def test_the_simulation_is_sound():
    assert delta_e("#ff0000", "#ff0000", "protanopia") == 0
    assert delta_e("#000000", "#ffffff", "normal") == pytest.approx(100, abs=0.01)
    # Classic confusions: red and green merge for a protanope far more than for normal vision.
    assert delta_e("#d62728", "#2ca02c", "protanopia") < delta_e("#d62728", "#2ca02c", "normal") / 2
    assert contrast("#000000", WHITE) == pytest.approx(21)
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the well-known just-below-AA grey


@pytest.mark.parametrize("vision", VISIONS)
def test_status_colours_stay_apart_under_each_vision(vision):
    for pair, d in distances(charts.STATUS_COLORS)[vision].items():
        assert d >= MIN_DELTA_E, f"{pair} under {vision}: ΔE {d:.1f}"


def test_the_old_status_colours_fail_the_check():
    """The check catches what issue 11 saw: under protanopia the old qualified green and review amber merge."""
    assert distances(OLD_STATUS_COLORS)["protanopia"]["qualified/review"] < MIN_DELTA_E


def test_status_text_meets_aa_on_white_and_on_its_badge():
    for status, colour in charts.STATUS_COLORS.items():
        assert contrast(colour, WHITE) >= AA, status
        theme = components.BADGE_COLORS[status]
        # The badges and :colour[text] draw with the theme's colours: they are the status colours.
        assert THEME[f"{theme}TextColor"].lower() == colour.lower() == THEME[f"{theme}Color"].lower()
        assert contrast(colour, THEME[f"{theme}BackgroundColor"]) >= AA, status
    assert contrast(THEME["textColor"], WHITE) >= AA


def test_chart_text_meets_aa():
    assert contrast(charts.AXIS_TEXT, THEME["backgroundColor"]) >= AA
    assert charts.FONT["color"] == charts.AXIS_TEXT


def test_each_status_also_has_a_shape():
    for shapes in (charts.STATUS_ICONS, charts.STATUS_SYMBOLS, components.STATUS_MATERIAL):
        assert set(shapes) == set(charts.STATUS_COLORS) and len(set(shapes.values())) == len(shapes)
    assert all(re.match(r"^:material/[a-z_]+:$", icon) for icon in components.STATUS_MATERIAL.values())


if __name__ == "__main__":  # the figures for a report
    for name, colours in (("new", charts.STATUS_COLORS), ("old", OLD_STATUS_COLORS)):
        print(f"{name} status colours {colours}")
        for status, colour in colours.items():
            print(f"  {status:14} {colour} contrast on white {contrast(colour, WHITE):.2f}:1")
        for vision, pairs in distances(colours).items():
            print(f"  {vision:13} " + ", ".join(f"{p} ΔE {d:.1f}" for p, d in pairs.items()))
    for status, colour in charts.STATUS_COLORS.items():
        background = THEME[f"{components.BADGE_COLORS[status]}BackgroundColor"]
        print(f"badge {status}: {colour} on {background} {contrast(colour, background):.2f}:1")
    print(f"axis text {charts.AXIS_TEXT} on white {contrast(charts.AXIS_TEXT, WHITE):.2f}:1")
