"""Graphs of recorded (or imported) activity: matplotlib figures built from the activity definitions.

* ``series_from_day(DayData) -> SeriesSet`` / ``series_from_imported(ImportedDay) -> SeriesSet``
* ``build_figures(SeriesSet, window=..., host_label=...) -> list[PlotFigure]``
* ``save_pdf`` / ``save_each`` (output.py); ``events_marks`` (timeline.py) for events.jsonl
"""
