#!/usr/bin/env python3
"""Cross-checks the shipped working-day calendar against the PyPI package chinesecalendar.

The calendar (crates/onewindow-core/data/cn-working-days.csv) lists the days that differ from
the default rule (Monday-Friday working, Saturday-Sunday off) as published by the State Council
General Office's yearly notices. This script rebuilds the same rule as
`onewindow_core::calendar::Calendar::is_working_day` and compares it with
`chinese_calendar.is_workday` for every date of the covered years.

It also checks the file's shape: header, kinds, no duplicate dates, adjusted working days only
on Saturday or Sunday, dates inside the covered years.

Usage:
    python3 -m venv /tmp/calvenv && /tmp/calvenv/bin/pip install chinesecalendar
    /tmp/calvenv/bin/python scripts/check-calendar.py [path/to/cn-working-days.csv]

Exit status: 0 when there are no disagreements and no shape errors, 1 otherwise, 2 when
chinesecalendar is not installed.
"""

import csv
import datetime
import pathlib
import sys

try:
    import chinese_calendar
except ImportError:
    print("chinesecalendar is not installed: pip install chinesecalendar", file=sys.stderr)
    sys.exit(2)

YEAR_FIRST = 2018
YEAR_LAST = 2026
HEADER = ["date", "kind", "name", "source"]
KINDS = ("holiday", "working")
DEFAULT_PATH = (
    pathlib.Path(__file__).resolve().parent.parent
    / "crates"
    / "onewindow-core"
    / "data"
    / "cn-working-days.csv"
)


def read_overrides(path):
    """Returns ({date: (kind, name, source)}, [shape errors])."""
    overrides = {}
    errors = []
    header_seen = False
    with open(path, encoding="utf-8", newline="") as f:
        for line_number, row in enumerate(csv.reader(f), start=1):
            if not row or row[0].startswith("#"):
                continue
            if not header_seen:
                header_seen = True
                if row != HEADER:
                    errors.append(f"line {line_number}: header is {row}, expected {HEADER}")
                continue
            if len(row) != 4:
                errors.append(f"line {line_number}: {len(row)} columns, expected 4")
                continue
            raw_date, kind, name, source = (cell.strip() for cell in row)
            try:
                date = datetime.date.fromisoformat(raw_date)
            except ValueError:
                errors.append(f"line {line_number}: bad date {raw_date!r}")
                continue
            if kind not in KINDS:
                errors.append(f"line {line_number}: kind {kind!r} is not one of {KINDS}")
            if not name or not source:
                errors.append(f"line {line_number}: empty name or source")
            if not YEAR_FIRST <= date.year <= YEAR_LAST:
                errors.append(f"line {line_number}: {date} is outside {YEAR_FIRST}-{YEAR_LAST}")
            if kind == "working" and date.weekday() < 5:
                errors.append(f"line {line_number}: adjusted working day {date} is a weekday")
            if date in overrides:
                errors.append(f"line {line_number}: {date} is listed twice")
            overrides[date] = (kind, name, source)
    if not header_seen:
        errors.append("no header line")
    return overrides, errors


def is_working_day(overrides, date):
    """The rule of the Rust module: an override wins, else Monday-Friday are working days."""
    if date in overrides:
        return overrides[date][0] == "working"
    return date.weekday() < 5


def main():
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    overrides, errors = read_overrides(path)
    for error in errors:
        print(f"shape: {error}")

    disagreements = 0
    years_missing = set()
    days_compared = 0
    date = datetime.date(YEAR_FIRST, 1, 1)
    date_last = datetime.date(YEAR_LAST, 12, 31)
    while date <= date_last:
        try:
            theirs = chinese_calendar.is_workday(date)
        except NotImplementedError:
            years_missing.add(date.year)
            date += datetime.timedelta(days=1)
            continue
        ours = is_working_day(overrides, date)
        days_compared += 1
        if ours != theirs:
            disagreements += 1
            _, detail = chinese_calendar.get_holiday_detail(date)
            entry = overrides.get(date)
            print(
                f"disagree: {date} ({date.strftime('%a')}) csv says "
                f"{'working' if ours else 'off'} {entry}, chinesecalendar says "
                f"{'working' if theirs else 'off'} ({detail})"
            )
        date += datetime.timedelta(days=1)

    for year in sorted(years_missing):
        print(f"note: chinesecalendar {chinese_calendar.__version__} has no data for {year}")
    print(
        f"compared {days_compared} days of {YEAR_FIRST}-{YEAR_LAST} with chinesecalendar "
        f"{chinese_calendar.__version__}: {disagreements} disagreements, "
        f"{len(errors)} shape errors, {len(overrides)} rows"
    )
    return 1 if disagreements or errors else 0


if __name__ == "__main__":
    sys.exit(main())
