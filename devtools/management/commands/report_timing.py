"""``manage.py report_timing``: how long a 12-month MAPPA report takes as PDF and as Word.

Generates a small national picture inside a transaction (``devtools.scale``, or uses the
data already there with ``--existing``), takes the Core Member with the most meetings in
the last twelve months, and times building the report and rendering it: the median of
``--repeat`` runs of each. Everything is rolled back.

    COSA_DEVTOOLS=true python manage.py report_timing --repeat 5
"""

import io
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from pypdf import PdfReader

from circles import risk
from coreMembers.models import CoreMember
from cosa import documents
from devtools import scale
from reports import documents as report_documents
from reports.meeting_report import build
from reports.queries import Period


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time a 12-month MAPPA report as PDF and as Word (data rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--scale", type=float, default=0.0005)
        parser.add_argument("--existing", action="store_true", help="Use the data already there.")

    def handle(self, *args, repeat, existing, **options):
        factor = options["scale"]
        try:
            with transaction.atomic():
                if not existing:
                    scale.generate(factor, analyze=connection.vendor == "postgresql")
                self._run(repeat)
                raise _Rollback
        except _Rollback:
            pass

    def _run(self, repeat):
        period = Period.default()
        busiest = (
            CoreMember.objects.annotate(
                meetings=Count(
                    "circles__meetings",
                    filter=Q(circles__meetings__starts_at__gte=period.start_at),
                )
            )
            .order_by("-meetings", "pk")
            .first()
        )
        if busiest is None:
            self.stderr.write("No Core Member to report on.")
            return
        chart = {
            "width": risk.CHART_WIDTH,
            "height": risk.CHART_HEIGHT,
            "pad_left": risk.CHART_PAD_LEFT,
            "right": risk.CHART_WIDTH - risk.CHART_PAD_RIGHT,
        }
        timings = {"build": [], "pdf": [], "docx": []}
        pages = size_pdf = size_docx = 0
        for _ in range(repeat):
            started = time.perf_counter()
            report = build(busiest, period, "mappa", now=timezone.now())
            timings["build"].append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf = report_documents.render_pdf(
                "reports/meeting_report_pdf.html", {"report": report, "chart": chart}
            )
            timings["pdf"].append(time.perf_counter() - started)
            started = time.perf_counter()
            word = documents.docx_render(
                report_documents.builtin_template("mappa"),
                report_documents.docx_context(report),
                report_documents.docx_pictures(report),
            )
            timings["docx"].append(time.perf_counter() - started)
            size_pdf, size_docx = len(pdf), len(word)
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
        attendance = report["attendance"]
        self.stdout.write(
            f"database: {connection.vendor}; Core Member {busiest.reference}: "
            f"{attendance['scheduled']} meetings in 12 months, {attendance['held']} held, "
            f"{report['risk']['ratings']} rated, {len(report['concerns'])} concerns"
        )
        ms = {name: statistics.median(values) * 1000 for name, values in timings.items()}
        self.stdout.write(
            f"report_timing: build_ms={ms['build']:.0f} pdf_ms={ms['pdf']:.0f} "
            f"docx_ms={ms['docx']:.0f} pdf_bytes={size_pdf} pdf_pages={pages} "
            f"docx_bytes={size_docx} repeat={repeat}"
        )
