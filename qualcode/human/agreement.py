"""Inter-coder agreement: how far two or more coders agree, per code and overall.

>>> a = qualcode.read_codings("coder_a.csv", corpus, codebook)          # doctest: +SKIP
>>> b = qualcode.read_codings("coder_b.csv", corpus, codebook)          # doctest: +SKIP
>>> report = qualcode.agreement([a, b], corpus, unit="turn")            # doctest: +SKIP
>>> report.per_code; report.overall; report.disagreements               # doctest: +SKIP

Units are the segments of ``unit`` (participant turns by default) in the sources that at least two
coders coded; a coder "coded a source" when they have at least one coding in it, and their values in
sources they did not code are missing. A unit is coded with X by a coder when any of their codings of
X overlaps it. Per code this gives one yes/no decision per coder and unit, from which come:

* observed % agreement: units where all coders with a value agree;
* Cohen's kappa (scikit-learn's ``cohen_kappa_score``) for two coders; with more, Light's kappa, the
  mean of Cohen's kappa over every pair of coders;
* Krippendorff's alpha, nominal, for any number of coders with missing values
  (:func:`nominal_alpha`, checked against Krippendorff's published examples in the tests);
* the character-level comparison NVivo reports: per source, the share of characters both coders coded
  or both left uncoded and the kappa over characters (1 where they agree completely), averaged over
  sources weighted by their length; with more than two coders, the mean over pairs.

The overall rows pool every (unit, code) decision ("all codes, pooled") and average the per-code
figures ("mean over codes"). Bands: Landis & Koch (1977) for kappa; Krippendorff (2004) for alpha.
Krippendorff's unitizing alpha is not computed; see the README for why.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field

from ..errors import CodingsError
from .overlap import check_level, overlaps

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

#: Landis & Koch (1977): upper bounds (inclusive) of each kappa band.
LANDIS_KOCH = ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
               (1.0, "almost perfect"))
POOLED, MEAN = "(all codes, pooled)", "(mean over codes)"


def landis_koch(kappa: float) -> str:
    """The Landis & Koch (1977) band of a kappa: poor (< 0), slight, fair, moderate, substantial, almost perfect."""
    if kappa is None or math.isnan(kappa):
        return ""
    if kappa < 0:
        return "poor"
    for bound, name in LANDIS_KOCH[1:]:
        if kappa <= bound + 1e-12:
            return name
    return "almost perfect"


def krippendorff_band(alpha: float) -> str:
    """Krippendorff (2004): alpha >= .800 reliable, >= .667 tentative conclusions only, below that unreliable."""
    if alpha is None or math.isnan(alpha):
        return ""
    return "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "unreliable"


def nominal_alpha(value_counts) -> float:
    """Krippendorff's alpha for nominal data from a ``units x values`` matrix of value counts.

    Units with fewer than two values (missing data) are ignored. Returns NaN when there is no variation
    (every value the same), where alpha is undefined.

    >>> round(nominal_alpha([[2, 0], [1, 1], [0, 2], [2, 0]]), 3)   # four units, two coders, yes/no
    0.533
    """
    import numpy as np

    counts = np.asarray(value_counts, dtype=float)
    counts = counts[counts.sum(axis=1) >= 2]
    if not len(counts):
        return math.nan
    weight = 1.0 / (counts.sum(axis=1) - 1)
    weighted = counts * weight[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    expected = n * n - (n_c**2).sum()
    if expected <= 0:
        return math.nan
    return float(1.0 - (n - 1) * (n - np.trace(coincidence)) / expected)


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two yes/no vectors (scikit-learn), NaN where undefined (no variation at all)."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if not len(a) or (a.all() and b.all()) or (not a.any() and not b.any()):
        return math.nan  # both coders gave one and the same value throughout: kappa is 0/0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(cohen_kappa_score(a, b, labels=[False, True]))


def _kappa_from_counts(both: float, only_a: float, only_b: float, neither: float) -> float:
    """Cohen's kappa of a 2x2 table; 1 where the coders agree completely (NVivo's convention)."""
    n = both + only_a + only_b + neither
    if n == 0:
        return math.nan
    observed = (both + neither) / n
    expected = ((both + only_a) * (both + only_b) + (neither + only_b) * (neither + only_a)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass
class AgreementReport:
    """The result of :func:`agreement`; ``per_code`` ends with the two overall rows."""

    per_code: object  # DataFrame, one row per code, then the overall rows
    overall: object  # DataFrame, the two overall rows with the study-level counts
    disagreements: object  # DataFrame, one row per (code, unit) where the coders differ
    coders: list[str]
    unit: str
    level: str
    notes: list[str] = field(default_factory=list)

    def write(self, path, fmt: str | None = None, *, force: bool = False):
        """Write the report as docx, xlsx, csv or md (see :mod:`qualcode.human.agreement_report`); return the paths."""
        from .agreement_report import write_agreement

        return write_agreement(self, path, fmt, force=force)

    def __repr__(self) -> str:
        from .agreement_report import summary_lines

        return "<AgreementReport: " + " ".join(summary_lines(self)) + ">"

    def _repr_html_(self) -> str:
        from ..display import html

        return html("agreement", self)


# -- inputs ----------------------------------------------------------------------------------------
def _coder_tables(codings) -> tuple[dict, dict]:
    """``({coder: table}, {coder: input name})``; a coder name that two inputs share is refused."""
    import pandas as pd

    from ..coding.table import check_codings

    if isinstance(codings, pd.DataFrame):
        codings = [codings]
    if isinstance(codings, dict):
        named = list(codings.items())
    else:
        named = [(getattr(t, "attrs", {}).get("path") or f"table {i + 1}", t) for i, t in enumerate(codings)]
    per_coder: dict[str, object] = {}
    origin_of: dict[str, str] = {}
    for name, table in named:
        if table is None or len(table) == 0:
            raise CodingsError(f"{name}: no codings; a coder's file must hold at least one coding.")
        table = check_codings(table, str(name))
        if table["coder"].isna().any() or (table["coder"].astype(str).str.strip() == "").any():
            raise CodingsError(f"{name}: some rows have no coder; fill the coder column (or pass --coder).")
        for coder, part in table.groupby("coder", sort=False):
            coder = str(coder)
            if coder in per_coder:
                raise CodingsError(
                    f"coder {coder!r} appears in both {origin_of[coder]} and {name}; give each coder's file a "
                    "different coder name (the coder column, or --coder)."
                )
            per_coder[coder], origin_of[coder] = part, str(name)
    if len(per_coder) < 2:
        raise CodingsError(
            f"agreement needs the codings of at least two coders; found {len(per_coder)} "
            f"({', '.join(per_coder) or 'none'}). Pass one file per coder."
        )
    versions = {c: sorted({str(v) for v in t["codebook_version"].dropna() if str(v)}) for c, t in per_coder.items()}
    distinct = {v for vs in versions.values() for v in vs}
    if len(distinct) > 1:
        detail = "; ".join(f"{c} ({origin_of[c]}): {', '.join(v) or '?'}" for c, v in versions.items())
        raise CodingsError(
            f"the coders used different codebook versions ({detail}); agreement compares codings of one codebook. "
            "Re-read every file with the same codebook (-c)."
        )
    return per_coder, origin_of


def agreement(codings: "list[pd.DataFrame] | dict[str, pd.DataFrame]", corpus: "Corpus", unit: str = "turn", *,
              level: str = "code", codebook: "Codebook | None" = None, include_researchers: bool = False,
              max_excerpt: int = 400) -> AgreementReport:
    """Agreement between coders over the segments of ``unit``; see the module docstring.

    ``codings``: a list of codings tables (one per coder; a table holding several coders is split by its
    ``coder`` column), or a dict ``{name: table}`` (names are used in messages). ``level``: compare
    ``code`` ids as coded, or roll them up to their ``subtheme`` or ``theme``. ``codebook`` (optional)
    orders the codes as in the codebook.

    >>> report = qualcode.agreement([coder_a, coder_b], corpus, codebook=codebook)
    >>> report.coders, report.per_code.code.iloc[-1]
    (['coder_a', 'coder_b'], '(mean over codes)')
    >>> report.write(tmp / "agreement.xlsx")[0].name
    'agreement.xlsx'
    """
    import numpy as np
    import pandas as pd

    id_col, label_col = check_level(level)
    per_coder, origin_of = _coder_tables(codings)
    coders = list(per_coder)
    notes: list[str] = []
    frames = []
    for k, (coder, table) in enumerate(per_coder.items()):
        unknown = sorted(set(table.source_id.astype(str)) - set(corpus.source_ids))
        if unknown:
            raise CodingsError(
                f"{origin_of[coder]}: source(s) {', '.join(unknown[:5])} are not in the corpus "
                f"(sources include {', '.join(corpus.source_ids[:5])}); check --corpus."
            )
        frames.append(table.assign(_coder=k))
    all_codings = pd.concat(frames, ignore_index=True)
    all_codings["source_id"] = all_codings["source_id"].astype(str)
    covered = {coder: set(t.source_id.astype(str)) for coder, t in per_coder.items()}
    counted = pd.Series([s for c in coders for s in covered[c]]).value_counts()
    shared = [s for s in corpus.source_ids if counted.get(s, 0) >= 2]
    if not shared:
        detail = "; ".join(f"{c}: {', '.join(sorted(covered[c])[:4])}" for c in coders)
        raise CodingsError(
            f"the coders share no sources ({detail}); agreement needs at least one source coded by two coders."
        )
    alone = [s for s in corpus.source_ids if counted.get(s, 0) == 1]
    if alone:
        notes.append(f"{len(alone)} source(s) coded by one coder only, left out: {', '.join(alone[:8])}"
                     f"{' ...' if len(alone) > 8 else ''}.")
    if level != "code":
        lacking = all_codings[id_col].isna()
        if lacking.any():
            notes.append(f"{int(lacking.sum())} coding(s) have no {level} (a node above that level was coded); left out.")
            all_codings = all_codings[~lacking].reset_index(drop=True)

    segments = corpus.subset(shared).segments(unit, include_researchers=include_researchers)
    if not include_researchers:
        segments = segments[~segments.is_researcher]
    units = segments.reset_index(drop=True)
    if units.empty:
        raise CodingsError(f"the shared sources have no {unit} segments to compare.")
    coding_pos, unit_pos = overlaps(units, all_codings)
    in_shared = all_codings.source_id.isin(shared)
    outside = int((~np.isin(np.arange(len(all_codings)), coding_pos) & in_shared.to_numpy()).sum())
    if outside:
        notes.append(f"{outside} coding(s) overlap no {unit} unit (researcher turns?) and are not counted; "
                     "pass include_researchers=True (--include-researchers) to count them.")

    # Codes, in codebook order when a codebook is given, else in order of first use.
    code_ids = list(dict.fromkeys(all_codings[id_col].astype(str)))
    if codebook is not None:
        order = {node_id: i for i, node_id in enumerate(codebook.nodes)}
        code_ids.sort(key=lambda c: order.get(c, len(order)))
    firsts = all_codings.drop_duplicates(id_col)
    labels = firsts.set_index(firsts[id_col].astype(str))
    code_index = {c: i for i, c in enumerate(code_ids)}
    n_units, n_coders, n_codes = len(units), len(coders), len(code_ids)

    present = np.zeros((n_codes, n_units, n_coders), dtype=bool)
    code_of_row = all_codings[id_col].astype(str).map(code_index).to_numpy()
    coder_of_row = all_codings["_coder"].to_numpy()
    present[code_of_row[coding_pos], unit_pos, coder_of_row[coding_pos]] = True
    unit_source = units.source_id.to_numpy()
    has_value = np.column_stack([np.isin(unit_source, list(covered[c])) for c in coders])

    used_by = {c: set(per_coder[c][id_col].dropna().astype(str)) for c in coders}
    if not any(len([c for c in coders if code in used_by[c]]) >= 2 for code in code_ids):
        raise CodingsError(
            "the coders share no codes (" + "; ".join(f"{c}: {', '.join(sorted(used_by[c])[:4])}" for c in coders)
            + "); were they coded with different codebooks? Use one codebook for every coder."
        )
    for code in code_ids:
        users = [c for c in coders if code in used_by[c]]
        if len(users) < n_coders:
            notes.append(f"code {code!r} was used by {', '.join(users)} only; still computed (each of its units "
                         "coded by one side is a disagreement).")

    rows = [_code_row(present[i], has_value, coders) for i in range(n_codes)]
    per_code = pd.DataFrame(rows)
    char = _character_level(all_codings, corpus, shared, code_ids, code_index, coders, covered, id_col)
    per_code["char_agreement"] = char[:, 0]
    per_code["char_kappa"] = char[:, 1]
    per_code.insert(0, "code_id", code_ids)
    per_code.insert(1, "code", [labels.loc[c, label_col] if c in labels.index else c for c in code_ids])
    per_code.insert(2, "theme", [labels.loc[c, "theme"] if c in labels.index else "" for c in code_ids])

    pooled = _code_row(present.reshape(n_codes * n_units, n_coders), np.tile(has_value, (n_codes, 1)), coders)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = {k: float(np.nanmean(per_code[k])) if per_code[k].notna().any() else math.nan
                for k in ("agreement", "kappa", "alpha", "char_agreement", "char_kappa")}
    total_chars = char[:, 2].sum()
    pooled["char_agreement"] = float((char[:, 0] * char[:, 2]).sum() / total_chars) if total_chars else math.nan
    pooled["char_kappa"] = float(np.nanmean(char[:, 1])) if n_codes else math.nan
    count_cols = [c for c in per_code.columns if c not in ("code_id", "code", "theme", "agreement", "kappa", "alpha",
                                                            "char_agreement", "char_kappa", "band", "alpha_band")]
    mean_row = {c: per_code[c].sum() for c in count_cols} | mean
    mean_row["band"], mean_row["alpha_band"] = landis_koch(mean["kappa"]), krippendorff_band(mean["alpha"])
    overall = pd.DataFrame([{"code_id": POOLED, "code": POOLED, "theme": ""} | pooled,
                            {"code_id": MEAN, "code": MEAN, "theme": ""} | mean_row])[per_code.columns]
    overall.insert(3, "codes", n_codes)
    overall.insert(4, "sources", len(shared))
    overall.insert(5, "coders", ", ".join(coders))
    per_code = pd.concat([per_code, overall[per_code.columns]], ignore_index=True)
    disagreements = _disagreements(present, has_value, units, all_codings, coding_pos, unit_pos, code_of_row,
                                   coder_of_row, code_ids, per_code, coders, max_excerpt)
    return AgreementReport(per_code, overall, disagreements, coders, unit, level, notes)


def _code_row(present, has_value, coders) -> dict:
    """Counts and statistics for one code: ``present`` and ``has_value`` are ``units x coders``."""
    import numpy as np

    rated = has_value.sum(axis=1) >= 2
    p, h = present[rated], has_value[rated]
    yes = (p & h).sum(axis=1)
    m = h.sum(axis=1)
    row: dict = {"units": int(rated.sum())}
    if len(coders) == 2:
        a, b = p[:, 0], p[:, 1]
        row |= {"both": int((a & b).sum()), "only_a": int((a & ~b).sum()), "only_b": int((~a & b).sum()),
                "neither": int((~a & ~b).sum())}
        kappa = cohen_kappa(a, b)
    else:
        row |= {"all": int(((yes == m) & (yes > 0)).sum()),
                "some": int(((yes > 0) & (yes < m)).sum()), "none": int((yes == 0).sum())}
        pairs = []
        for i, j in itertools.combinations(range(len(coders)), 2):
            both = h[:, i] & h[:, j]
            if both.any():
                pairs.append(cohen_kappa(p[both, i], p[both, j]))
        kappa = float(np.nanmean(pairs)) if pairs and not all(math.isnan(k) for k in pairs) else math.nan
    agree = ((yes == 0) | (yes == m)).mean() if len(m) else math.nan
    alpha = nominal_alpha(np.column_stack([m - yes, yes]))
    row |= {"agreement": float(agree), "kappa": kappa, "band": landis_koch(kappa), "alpha": alpha,
            "alpha_band": krippendorff_band(alpha)}
    return row


def _merged(intervals):
    """Sorted, merged ``[(start, end)]``."""
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def _intersection(a, b) -> int:
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _character_level(all_codings, corpus, shared, code_ids, code_index, coders, covered, id_col):
    """Per code: NVivo-style % agreement and kappa over characters, and the characters compared."""
    import numpy as np

    spans: dict[tuple[int, int, str], list] = {}
    part = all_codings[all_codings.source_id.isin(shared)]
    for code, coder, source, start, end in zip(part[id_col].astype(str), part["_coder"], part.source_id,
                                               part.start, part.end):
        spans.setdefault((code_index[code], int(coder), source), []).append((int(start), int(end)))
    spans = {k: _merged(v) for k, v in spans.items()}
    lengths = {s: len(corpus.text(s)) for s in shared}
    out = np.full((len(code_ids), 3), np.nan)
    for c in range(len(code_ids)):
        agree_pairs, kappa_pairs, chars = [], [], 0
        for i, j in itertools.combinations(range(len(coders)), 2):
            sources = [s for s in shared if s in covered[coders[i]] and s in covered[coders[j]]]
            if not sources:
                continue
            weights, agrees, kappas = [], [], []
            for s in sources:
                a, b = spans.get((c, i, s), []), spans.get((c, j, s), [])
                n = lengths[s]
                len_a, len_b = sum(e - s0 for s0, e in a), sum(e - s0 for s0, e in b)
                both = _intersection(a, b)
                only_a, only_b = len_a - both, len_b - both
                neither = n - both - only_a - only_b
                weights.append(n)
                agrees.append((both + neither) / n if n else 1.0)
                kappas.append(_kappa_from_counts(both, only_a, only_b, neither))
            w = np.asarray(weights, dtype=float)
            agree_pairs.append(float(np.dot(w, agrees) / w.sum()))
            kappa_pairs.append(float(np.dot(w, kappas) / w.sum()))
            chars += int(w.sum())
        if agree_pairs:
            out[c] = (np.mean(agree_pairs), np.mean(kappa_pairs), chars / len(agree_pairs))
    return out


def _disagreements(present, has_value, units, all_codings, coding_pos, unit_pos, code_of_row, coder_of_row,
                   code_ids, per_code, coders, max_excerpt):
    """One row per (code, unit) where the coders with a value differ, with what each side coded."""
    import numpy as np
    import pandas as pd

    columns = ["code_id", "code", "source_id", "segment_id", "label", "group", "coded_by", "not_coded_by", "excerpt",
               "start", "end"]
    spans: dict[tuple[int, int], list] = {}
    starts, ends = all_codings.start.to_numpy(), all_codings.end.to_numpy()
    for row, u in zip(coding_pos.tolist(), unit_pos.tolist()):
        spans.setdefault((int(code_of_row[row]), u), []).append((int(starts[row]), int(ends[row])))
    labels = dict(zip(per_code.code_id, per_code.code))
    u_start, u_end = units.start.to_numpy(), units.end.to_numpy()
    u_source, u_text, u_segment = units.source_id.to_numpy(), units.text.to_numpy(), units.segment_id.to_numpy()
    u_label, u_group = units.label.to_numpy(), units.group.to_numpy()
    m = has_value.sum(axis=1)
    bits = 1 << np.arange(len(coders))
    names = {}

    def who(mask: int) -> str:
        if mask not in names:
            names[mask] = ", ".join(coder for i, coder in enumerate(coders) if mask & (1 << i))
        return names[mask]

    rows = []
    for c, code in enumerate(code_ids):
        yes = present[c] & has_value
        k = yes.sum(axis=1)
        coded_mask, missing_mask = (yes @ bits).tolist(), ((has_value & ~present[c]) @ bits).tolist()
        for u in np.flatnonzero((m >= 2) & (k > 0) & (k < m)).tolist():
            pieces = []
            lo_u, hi_u = int(u_start[u]), int(u_end[u])
            for lo, hi in _merged(spans.get((c, u), [])):
                lo, hi = max(lo, lo_u), min(hi, hi_u)
                if lo < hi:
                    pieces.append(u_text[u][lo - lo_u : hi - lo_u].strip())
            excerpt = " \u2026 ".join(p for p in pieces if p)
            if len(excerpt) > max_excerpt:
                excerpt = excerpt[: max_excerpt - 1].rstrip() + "\u2026"
            rows.append((code, labels.get(code, code), u_source[u], u_segment[u], u_label[u], u_group[u],
                         who(coded_mask[u]), who(missing_mask[u]), excerpt, lo_u, hi_u))
    return pd.DataFrame(rows, columns=columns)
