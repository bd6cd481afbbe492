"""``qualcode search``, ``words`` and ``compare``: the questions analysts ask of the transcripts and codings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from .app import app
from .common import Force, MaxFileSize, Strict, console, err_console, exit_for, load, print_frame, wrote
from .report_cmds import (ByOpt, CodebookOpt, CoderOpt, CorpusOpt, FormatOpt, MaxValuesOpt, OriginOpt, OutputOpt,
                          TitleOpt, _notes, _warnings_printed)

FolderArg = Annotated[Path, typer.Argument(help="Folder of transcripts.")]
GroupOpt = Annotated[Optional[List[str]], typer.Option("--group", help="Only these participant groups (repeat for several).")]
WhereOpt = Annotated[Optional[List[str]], typer.Option("--where", help="Only where an attribute has a value, e.g. "
                                                       "--where wave=2 --where role='Link worker' (repeat for several).")]


def _scope(group, where) -> dict:
    scope: dict[str, list[str]] = {}
    if group:
        scope["group"] = list(group)
    for item in where or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"{item!r}: write ATTRIBUTE=VALUE, e.g. wave=2.", param_hint="--where")
        scope.setdefault(name.strip(), []).append(value.strip())
    return scope


@app.command(epilog="Example: qualcode search transcripts_sample/ \"waiting list\" --group Clients --format docx -o kwic.docx")
def search(
    folder: FolderArg,
    pattern: Annotated[str, typer.Argument(help="A word or phrase; * and ? are wildcards ('refer*').")],
    output: OutputOpt = None,
    format: FormatOpt = None,
    lemma: Annotated[bool, typer.Option("--lemma", help="Match every form with the same lemma (refer: referred, refers).")] = False,
    regex: Annotated[bool, typer.Option("--regex", help="PATTERN is a Python regular expression.")] = False,
    context: Annotated[int, typer.Option("--context", help="Words of context either side.", min=0)] = 10,
    include_researchers: Annotated[bool, typer.Option("--include-researchers", help="Search the researchers' turns too.")] = False,
    group: GroupOpt = None,
    where: WhereOpt = None,
    by: ByOpt = None,
    code_as: Annotated[Optional[str], typer.Option("--code-as", help="Save the hits as human codings of this code id by --coder: into the folder's project if it has one, else a csv (needs -c).")] = None,
    coder: Annotated[Optional[str], typer.Option("--coder", help="With --code-as: the person the codings are by.")] = None,
    codebook: CodebookOpt = None,
    save_rule: Annotated[Optional[str], typer.Option("--save-rule", help="Save the search as a rule of this code in the "
                                                     "-c codebook (an audited edit: needs --reason).")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="With --save-rule: why, for the changelog.")] = None,
    author: Annotated[Optional[str], typer.Option("--author", help="With --save-rule: who, for the changelog (default: git config user.name).")] = None,
    codings_file: Annotated[Optional[Path], typer.Option("--codings-file", help="With --code-as: the human-codings file "
                                                         "(csv) to add the hits to (default: search_<code>_<coder>.csv; with a project, only if given).")] = None,
    title: TitleOpt = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Keyword in context: every place a word, phrase or wildcard occurs, with who said it and exact offsets."""
    from ..analysis.search import compile_pattern, hits_as_codings
    from ..analysis.search import search as run_search

    compile_pattern(pattern, lemma=lemma, regex=regex)  # a bad pattern fails before the corpus is read
    book = None
    if save_rule is not None:
        if not codebook or not reason:
            raise typer.BadParameter("--save-rule needs -c CODEBOOK and --reason \"...\".", param_hint="--save-rule")
        from ..analysis.search import search_rule
        from ..codebook.model import Codebook
        from .codebook_cmds import _save

        ruled = search_rule(Codebook.from_yaml(codebook), save_rule, pattern, lemma=lemma, regex=regex, reason=reason,
                            author=author)
    project = None
    if code_as is not None:
        from ..analysis.search import check_code
        from ..project import find_project

        project = find_project(folder)  # a project in the folder: the hits become codings in it
        if project is not None:
            if not coder:
                raise typer.BadParameter("--code-as needs --coder NAME.", param_hint="--code-as")
            book = project.codebook
        else:
            if not coder or not codebook:
                raise typer.BadParameter("--code-as needs --coder NAME and -c CODEBOOK (or a project in the folder: "
                                         "`qualcode init`).", param_hint="--code-as")
            from ..codebook.model import Codebook

            book = Codebook.from_yaml(codebook)
        check_code(book, code_as, coder)
    corpus = load(folder, strict, max_file_size)
    hits = run_search(corpus, pattern, lemma=lemma, regex=regex, context=context,
                      include_researchers=include_researchers, by=by, **_scope(group, where))
    if output is None:
        if format not in (None, "table"):
            raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
        shown = hits[[c for c in ("value", "label", "source_id", "start", "left", "match", "right") if c in hits.columns]]
        print_frame(shown, title=f"{len(hits):,} hits of {pattern!r}")
    else:
        from ..reports.queries import export_search

        wrote(export_search(hits, output, format, title=title, force=force), f"{len(hits):,} hits")
    if save_rule is not None:
        if group or where:
            err_console.print("[yellow]note:[/] the rule codes every participant's turns; the search's --group/--where "
                              "scope is not part of it.", highlight=False, soft_wrap=True)
        _save(ruled, codebook, None, False)
    if code_as is not None and project is not None:
        rows = hits_as_codings(hits, code_as, book, coder)
        try:
            ids = project.code_many(zip(rows.source_id, rows.start, rows.end), code_as, coder=coder,
                                    memo=rows.memo.iloc[0] if len(rows) else None,
                                    what=f"code {code_as} where the search {pattern!r} matched")
        finally:
            project.close()
        console.print(f"{len(ids):,} new codings of {code_as} by {coder} saved in the project in {folder} "
                      f"({len(hits) - len(ids):,} of the hits {coder} had coded so already); take them back with "
                      f"`qualcode undo {folder} --coder {coder}`.", highlight=False, soft_wrap=True)
    if code_as is not None and (project is None or codings_file is not None):
        from ..human.codings import add_human_codings

        target = codings_file or Path(f"search_{code_as}_{coder}.csv".replace(" ", "_").replace("/", "_"))
        path, added = add_human_codings(hits_as_codings(hits, code_as, book, coder), target)
        wrote(path, f"{added:,} new human codings of {code_as} by {coder}; read it with `qualcode code ... --with {path}`")
    exit_for(corpus)


@app.command(epilog="Example: qualcode words transcripts_sample/ --by group --top 30 -o words.xlsx")
def words(
    folder: FolderArg,
    output: OutputOpt = None,
    format: FormatOpt = None,
    by: ByOpt = None,
    top: Annotated[int, typer.Option("--top", help="Terms per value (with --by: the most distinctive).", min=1)] = 30,
    phrases: Annotated[bool, typer.Option("--phrases/--no-phrases", help="Count 2- and 3-word phrases too.")] = True,
    min_count: Annotated[int, typer.Option("--min-count", help="Leave out terms said fewer times.", min=1)] = 2,
    include_researchers: Annotated[bool, typer.Option("--include-researchers", help="Count the researchers' turns too.")] = False,
    group: GroupOpt = None,
    where: WhereOpt = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also write the bar chart (.png or .svg).")] = None,
    max_values: MaxValuesOpt = 30,
    title: TitleOpt = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Word and phrase frequencies (lemmatised, stop words out), per attribute value with keyness."""
    from ..analysis.words import word_frequencies

    corpus = load(folder, strict, max_file_size)
    table = word_frequencies(corpus, by=by, top=top, phrases=phrases, min_count=min_count,
                             include_researchers=include_researchers, max_values=max_values, **_scope(group, where))
    if output is None:
        if format not in (None, "table"):
            raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
        print_frame(table, title="Word frequencies")
        if plot is not None:
            raise typer.BadParameter("--plot goes with -o/--output", param_hint="--plot")
    else:
        from ..reports.queries import export_words

        for path in export_words(table, output, format, title=title, plot=plot, force=force):
            wrote(path)
    _notes(table)
    exit_for(corpus)


@app.command(epilog="Example: qualcode compare out/codings.csv -c codebooks/social_prescribing.yaml --by wave --corpus transcripts_sample/")
def compare(
    codings: Annotated[Path, typer.Argument(help="Codings table from `qualcode code` or `run`.")],
    by: Annotated[List[str], typer.Option("--by", help="The attribute to compare across (wave, group, role, ...); repeat to combine.")],
    output: OutputOpt = None,
    format: FormatOpt = None,
    codebook: CodebookOpt = None,
    corpus: CorpusOpt = None,
    values: Annotated[Optional[List[str]], typer.Option("--value", help="Only these values, in this order (the first is the baseline).")] = None,
    coder: CoderOpt = None,
    origin: OriginOpt = None,
    max_values: MaxValuesOpt = 30,
    title: TitleOpt = None,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Themes and sub-themes side by side for each value of an attribute: counts, % of participants, what changed."""
    from ..analysis.compare import compare as run_compare
    from .report_cmds import _inputs

    with _warnings_printed():
        frame, book, participants = _inputs(codings, codebook, corpus, None, max_file_size, by)
        table = run_compare(frame, book, by=by, participants=participants, coder=coder, origin=origin,
                            max_values=max_values, values=values)
        if output is None:
            if format not in (None, "table"):
                raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
            shown = table.drop(columns=[c for c in table.columns if c.endswith(" excerpts")] + ["level", "caution"])
            shown = shown.assign(theme=[f"{n} {s or t}" for n, s, t in zip(table.number, table.subtheme, table.theme)])
            print_frame(shown.drop(columns=["number", "subtheme"]), title=f"Compared by {' / '.join(by)}")
        else:
            from ..reports.queries import export_compare

            wrote(export_compare(table, output, format, title=title, force=force), f"{len(table)} rows")
    _notes(table)
