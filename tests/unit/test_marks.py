"""The not-citable stamp on figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from borderflows.plotting.marks import NOT_CITABLE_TEXT, mark_not_citable


def test_stamp_only_when_not_citable() -> None:
    fig, (clean, stamped) = plt.subplots(1, 2)
    mark_not_citable(clean, citable=True)
    mark_not_citable(stamped, citable=False)
    assert [t.get_text() for t in clean.texts] == []
    assert [t.get_text() for t in stamped.texts] == [NOT_CITABLE_TEXT]
    plt.close(fig)
