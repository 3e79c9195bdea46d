"""Which days the warehouse sink landed raw files on since a time: what the raw-files
sensor runs on.

A day directory's mtime changes for any entry made, renamed or deleted in it: a sink file
landing, but also raw compaction writing its merged file and later deleting the merged ones,
which bring no new rows (the run that merged them built them). So a changed directory counts
only when it holds a sink file (not a compacted one, not a hidden temporary) whose ``ctime``
is after the cursor: the sink writes under a hidden name and renames, and a rename sets the
file's ctime, so ctime is when the file landed; compaction never touches the sink's files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.layout import WarehouseLayout, is_sink_file


@dataclass
class RawLandings:
    """What one scan of the raw layer found after ``since``."""

    since: float
    landed: dict[str, float] = field(default_factory=dict)  # day -> its newest landing's ctime
    newest_change: float = 0.0  # the newest day-directory mtime seen (at least ``since``)

    def earliest(self, limit: int) -> tuple[list[tuple[str, float]], float]:
        """The days with the ``limit`` earliest landings (and any tied with the last), and
        the cursor after them: past every change seen when all days are taken, else the last
        landing taken, so the days left are found again by the next scan."""
        ordered = sorted(self.landed.items(), key=lambda item: (item[1], item[0]))
        if len(ordered) <= limit:
            return ordered, max(self.since, self.newest_change)
        boundary = ordered[limit - 1][1]
        taken = [item for item in ordered if item[1] <= boundary]
        return taken, max(self.since, boundary)


def scan_raw_landings(layout: WarehouseLayout, since: float) -> RawLandings:
    """Every raw table-day directory changed after ``since`` (one stat per directory), and
    among them the days that received sink files after ``since`` (a listing of each changed
    directory)."""
    found = RawLandings(since=since, newest_change=since)
    for table, days in layout.raw_dates().items():
        for day in days:
            directory = layout.raw_date_dir(table, day)
            try:
                changed = directory.stat().st_mtime
            except FileNotFoundError:
                continue
            if changed <= since:
                continue
            found.newest_change = max(found.newest_change, changed)
            landed = _newest_landing(directory)
            if landed > since:
                key = day.isoformat()
                found.landed[key] = max(landed, found.landed.get(key, 0.0))
    return found


def _newest_landing(day_dir: Path) -> float:
    newest = 0.0
    try:
        with os.scandir(day_dir) as entries:
            for entry in entries:
                if not is_sink_file(entry.name):
                    continue
                try:
                    newest = max(newest, entry.stat().st_ctime)
                except FileNotFoundError:  # deleted meanwhile, as merged long enough ago
                    continue
    except FileNotFoundError:
        pass
    return newest
