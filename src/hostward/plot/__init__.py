"""Graphs of recorded (or imported) activity, built from the activity definitions: one neutral description of
each figure (figures.py), drawn by matplotlib for PDF/PNG (mpl.py) or written directly as SVG (svg.py).

* ``series_from_day(DayData) -> SeriesSet`` / ``series_from_imported(ImportedDay) -> SeriesSet``
* ``build_figures(SeriesSet, window=..., host_label=...) -> list[PlotFigure]``
* ``save_pdf`` / ``save_each`` (output.py); ``events_marks`` (timeline.py) for events.jsonl
"""
