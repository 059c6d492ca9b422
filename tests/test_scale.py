"""What the notebooks print and draw stays readable when a dataset grows: a generated dataset
(tests/synthetic.py, fictional) with more instruments than the life-cycle figure has rows for,
and a simulated coder's list of changes far longer than a notebook should print."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from synthetic import generate  # noqa: E402

from helpers.analysis.dataset_overview import timeline  # noqa: E402
from helpers.analysis.scope import resolve  # noqa: E402
from helpers.coding.simulation import listed  # noqa: E402
from helpers.dataset.lines import line_of_row, row_lines  # noqa: E402
from helpers.figures.dataset_overview import MAX_LIFE_CYCLES, life_cycles  # noqa: E402
from helpers.figures.style import figure_context  # noqa: E402


def test_life_cycles_draw_the_most_recent_instruments_and_say_so(tmp_path) -> None:
    generate(tmp_path / "data", n_occasions=300)
    scope = resolve(tmp_path / "data")
    agreements = timeline(scope).agreements
    total = agreements.instrument_id.nunique()
    assert total > MAX_LIFE_CYCLES
    steps = scope.vocabulary("instrument_steps", "step")
    fig = life_cycles(agreements, steps, figure_context(scope))
    ax = fig.axes[0]
    drawn = [t.get_text().split(" ")[0] for t in ax.get_yticklabels()]
    assert len(drawn) == MAX_LIFE_CYCLES
    assert f"of {total:,d} instruments" in ax.get_title(loc="left")
    latest = agreements.groupby(agreements.instrument_id.astype(str)).hi.max()
    left_out = latest.drop(drawn)
    assert latest[drawn].min() >= left_out.max()  # none left out is more recent than one drawn
    assert fig.get_size_inches()[1] < 0.5 * MAX_LIFE_CYCLES  # a page, not a scroll
    plt.close(fig)


def test_a_long_list_of_changes_is_cut_and_counted() -> None:
    changes = [f"E{i:03d}: event_type talks -> visit" for i in range(120)]
    text = listed(changes, shown=50)
    assert text.splitlines()[:50] == changes[:50]
    assert text.splitlines()[-1] == "... and 70 more"
    assert listed(changes[:7]) == "\n".join(changes[:7])  # a short list as it is


def test_row_lines_count_lines_as_line_of_row_does(tmp_path) -> None:
    # a quoted cell over two lines moves every later record down; past the end, the row's
    # own number stands, as in line_of_row
    path = tmp_path / "t.csv"
    path.write_text('id,note\na,"one\ntwo"\nb,plain\nc,x\n', encoding="utf-8")
    assert row_lines(path, 4) == [line_of_row(path, row) for row in range(4)] == [2, 4, 5, 5]
