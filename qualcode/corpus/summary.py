"""The study summary: participants and data-collection activities per participant group.

One row per group plus a Total row. A person in several activities counts once; an activity counts
under every group whose participants took part in it (once per group); the Total row counts each
activity once and each person once. ``surveys`` counts completed responses (respondents who answered
at least one question).
"""

from __future__ import annotations

from collections import defaultdict

SUMMARY_COLUMNS = ["group", "participants", "individual_interviews", "joint_interviews", "focus_groups", "surveys", "words"]
_ACTIVITY_COLUMN = {"interview": "individual_interviews", "joint_interview": "joint_interviews", "focus_group": "focus_groups"}


def study_summary(sources, participants):
    """Return the summary DataFrame for loaded ``sources`` and the ``participants`` table."""
    group_of = dict(zip(participants["participant_id"], participants["group"]))
    counts, total, took_part = summary_parts(sources, group_of)
    people: dict[str, set] = defaultdict(set)
    for group, pid in took_part:
        people[group].add(pid)
    everyone = {pid for _, pid in took_part}
    per_group = {group: len(pids) for group, pids in people.items()}
    return summary_frame(list(dict.fromkeys(participants["group"])), counts, total, per_group, len(everyone))


def summary_parts(sources, group_of: dict) -> tuple[dict, dict, set]:
    """The additive parts of the summary for some sources: ``(counts per group, totals, took_part)``.

    Counts and totals add up over disjoint sets of sources (an activity is one source);
    ``took_part`` is the set of ``(group, participant_id)`` pairs, to be counted distinct.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    took: set = set()
    for source in sources:
        spoken: set = set()
        for turn in source.turns:
            if turn.participant_id and not turn.is_researcher:
                spoken.add(turn.participant_id)
                words = len(source.text[turn.start : turn.end].split())
                counts[group_of.get(turn.participant_id)]["words"] += words
                total["words"] += words
        if source.method == "survey":
            for pid in spoken:
                counts[group_of.get(pid)]["surveys"] += 1
                total["surveys"] += 1
            took_part = spoken
        else:
            took_part = set(source.meta.participants) | spoken
            column = _ACTIVITY_COLUMN.get(source.method)  # a document (field notes, a report) is no activity
            for group in {group_of.get(pid) for pid in took_part} if column else ():
                counts[group][column] += 1
            if column:
                total[column] += 1
        took |= {(group_of.get(pid), pid) for pid in took_part}
    return {g: dict(c) for g, c in counts.items()}, dict(total), took


def summary_frame(groups: list, counts: dict, total: dict, people: dict, everyone: int):
    """The summary table from summed ``counts``/``total``, distinct ``people`` per group and in all."""
    import pandas as pd

    rows = []
    for group in groups:
        row = {"group": group, "participants": people.get(group, 0)}
        row |= {c: counts.get(group, {}).get(c, 0) for c in SUMMARY_COLUMNS[2:]}
        rows.append(row)
    rows.append({"group": "Total", "participants": everyone} | {c: total.get(c, 0) for c in SUMMARY_COLUMNS[2:]})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
