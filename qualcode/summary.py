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
    import pandas as pd

    group_of = dict(zip(participants["participant_id"], participants["group"]))
    groups = list(dict.fromkeys(participants["group"]))
    people: dict[str, set] = defaultdict(set)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total = defaultdict(int)
    everyone: set = set()
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
            column = _ACTIVITY_COLUMN[source.method]
            for group in {group_of.get(pid) for pid in took_part}:
                counts[group][column] += 1
            total[column] += 1
        for pid in took_part:
            people[group_of.get(pid)].add(pid)
        everyone |= took_part
    rows = []
    for group in groups:
        row = {"group": group, "participants": len(people[group])}
        row |= {c: counts[group][c] for c in SUMMARY_COLUMNS[2:]}
        rows.append(row)
    rows.append({"group": "Total", "participants": len(everyone)} | {c: total[c] for c in SUMMARY_COLUMNS[2:]})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
