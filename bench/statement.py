"""社会保险个人权益记录单 PDF: render CPU per statement, and the file's size (no goal set).

The statement is a demo citizen's (陈小明, demo/si_records.json) 2019年度, built by
chalicelib.domain.statements and rendered by chalicelib.flows.user_center.statement_pdf as a
download does: the CJK font cut to the statement's characters, outlines converted, embedded
as a subset, the QR drawn, the file MACed. The first render (imports, the font file's first
read) is reported apart; the figure is the median of the rest.
"""

from __future__ import annotations

import statistics
import time

from bench.report import Row

__all__ = ["statement_pdf_cpu"]

DEMO_ID = ("resident_id", "320102199003071239")


def statement_pdf_cpu(runs: int = 5) -> Row:
    from chalicelib.domain import statements
    from chalicelib.platforms.si_records import LocalSiRecords, RecordKind

    source = LocalSiRecords("demo/si_records.json")
    pension, unemployment, injury = (
        source.records(*DEMO_ID, kind) for kind in (RecordKind.PENSION, RecordKind.UNEMPLOYMENT, RecordKind.INJURY)
    )
    statement = statements.build(2019, "陈小明", "3201**********1239", pension, unemployment, injury)

    start = time.process_time()
    from chalicelib.flows.user_center import statement_pdf

    pdf, _code = statement_pdf.render(statement)
    first = time.process_time() - start
    samples = []
    for _ in range(max(1, runs)):
        start = time.process_time()
        pdf, _code = statement_pdf.render(statement)
        samples.append(time.process_time() - start)
    measured = statistics.median(samples) * 1000
    return Row(
        "9. 权益单 PDF (render CPU per statement, size)",
        "statement_pdf.render, one 2019年度 statement",
        f"{measured:.0f} ms, {len(pdf) / 1024:.1f} KiB",
        "—",
        None,
        detail={
            "cpu_ms_median": round(measured, 1),
            "cpu_ms_first": round(first * 1000, 1),
            "cpu_ms_samples": [round(s * 1000, 1) for s in samples],
            "bytes": len(pdf),
        },
        note="first render (imports, font file read) " + f"{first * 1000:.0f} ms",
    )
