"""The social-insurance systems (社保、医保、公积金): one citizen's records of one kind.

The user center's record menus (我的缴费记录, 我的社保记录, ...) and the 社会保险个人权益记录单
read through this interface; the hall keeps no copy. One call answers one citizen's records
of one kind, every year the systems hold (the hall filters by year). Two implementations:

* :class:`HttpSiRecords` talks to the provincial platform over HTTPS with a signed request,
  as the base library does (``platforms/signed_http.py``: HMAC-SHA256 over app id, timestamp, nonce
  and body digest), and checks the answer's signature, nonce and freshness the same way.
* :class:`LocalSiRecords` answers from ``demo/si_records.json`` (fictional people), expanding
  each person's jobs into monthly records with the file's contribution rates; deterministic
  (no clock, no randomness): the same file always gives the same records.

A platform that cannot be reached, or answers what it should not, raises
:class:`RecordsUnavailable`; the flow tells the citizen to try later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Protocol

from chalicelib import settings
from chalicelib.platforms.signed_http import PlatformUnavailable, SignedPlatform

__all__ = [
    "INSURANCES",
    "HttpSiRecords",
    "LocalSiRecords",
    "Record",
    "RecordKind",
    "RecordStatus",
    "RecordsUnavailable",
    "SiRecords",
    "platform",
]

CENT = Decimal("0.01")


class RecordKind(str, Enum):
    """What the systems are asked for. The value is the protocol's and never renamed."""

    PENSION = "pension"  # 企业职工基本养老保险
    MEDICAL = "medical"  # 职工基本医疗保险
    UNEMPLOYMENT = "unemployment"  # 失业保险
    INJURY = "injury"  # 工伤保险
    MATERNITY = "maternity"  # 生育保险
    HOUSING_FUND = "housing_fund"  # 住房公积金
    PAYMENTS = "payments"  # 缴费记录: every social insurance's monthly payments at once

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    RecordKind.PENSION: "养老保险",
    RecordKind.MEDICAL: "医疗保险",
    RecordKind.UNEMPLOYMENT: "失业保险",
    RecordKind.INJURY: "工伤保险",
    RecordKind.MATERNITY: "生育保险",
    RecordKind.HOUSING_FUND: "住房公积金",
    RecordKind.PAYMENTS: "社会保险",
}

# The five social insurances (a payment record names one of them).
INSURANCES = (
    RecordKind.PENSION,
    RecordKind.MEDICAL,
    RecordKind.UNEMPLOYMENT,
    RecordKind.INJURY,
    RecordKind.MATERNITY,
)


class RecordStatus(str, Enum):
    PAID = "paid"  # 已到账
    ARREARS = "arrears"  # 欠缴

    @property
    def label(self) -> str:
        return "已到账" if self is RecordStatus.PAID else "欠缴"


@dataclass(frozen=True)
class Record:
    """One month of one insurance: 费款所属期, 缴费单位, 缴费基数, 单位缴费, 个人缴费, 状态."""

    insurance: RecordKind
    period: str  # "YYYY-MM"
    unit: str
    base: Decimal
    unit_amount: Decimal
    personal_amount: Decimal
    status: RecordStatus

    @property
    def year(self) -> int:
        return int(self.period[:4])

    @property
    def month(self) -> int:
        return int(self.period[5:7])

    @classmethod
    def from_wire(cls, item: dict) -> Record:
        """A record as the protocol carries it; anything malformed raises ValueError."""
        period = str(item["period"])
        if len(period) != 7 or period[4] != "-" or not (1 <= int(period[5:]) <= 12):
            raise ValueError("period")
        return cls(
            insurance=RecordKind(item["insurance"]),
            period=period,
            unit=str(item["unit"])[:100],
            base=Decimal(str(item["base"])).quantize(CENT),
            unit_amount=Decimal(str(item["unit_amount"])).quantize(CENT),
            personal_amount=Decimal(str(item["personal_amount"])).quantize(CENT),
            status=RecordStatus(item["status"]),
        )


class RecordsUnavailable(Exception):
    """The systems could not be asked, or answered what cannot be trusted."""


class SiRecords(Protocol):
    def records(self, id_type: str, id_number: str, kind: RecordKind) -> list[Record]: ...


# -- production: the provincial platform over signed HTTPS ---------------------------------


class HttpSiRecords(SignedPlatform):
    PATH = "/api/si/records"
    DEFAULT_TIMEOUT = 5.0

    def records(self, id_type: str, id_number: str, kind: RecordKind) -> list[Record]:
        try:
            answer = self.post(self.PATH, {"id_type": id_type, "id_number": id_number, "kind": kind.value})
        except PlatformUnavailable as exc:
            raise RecordsUnavailable(str(exc)) from exc
        try:
            items = json.loads(answer)["records"]
            records = [Record.from_wire(item) for item in items]
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise RecordsUnavailable("malformed answer") from exc
        if kind is not RecordKind.PAYMENTS and any(r.insurance is not kind for r in records):
            raise RecordsUnavailable("records of another kind")
        return records


# -- the local counterpart: fictional people from a data file --------------------------------


def _months(start: str, end: str):
    year, month = int(start[:4]), int(start[5:7])
    last = (int(end[:4]), int(end[5:7]))
    while (year, month) <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


def _base_for(job: dict, period: str, floor: Decimal) -> Decimal:
    """The job's base, raised each July (Jiangsu's contribution year runs July to June)."""
    start_year, start_month = int(job["from"][:4]), int(job["from"][5:7])
    year, month = int(period[:4]), int(period[5:7])
    raises = (year - start_year) - (1 if month < 7 else 0) + (1 if start_month < 7 else 0)
    base = Decimal(str(job["base"])) * (Decimal(1) + Decimal(str(job.get("raise", 0)))) ** max(raises, 0)
    return max(base.quantize(Decimal(1), rounding=ROUND_HALF_UP), floor).quantize(CENT)


class LocalSiRecords:
    """The records of ``demo/si_records.json``'s people (for dev and tests)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._data: dict | None = None

    def _load(self) -> dict:
        if self._data is None:
            with open(self.path, encoding="utf-8") as f:
                self._data = json.load(f)
        return self._data

    def records(self, id_type: str, id_number: str, kind: RecordKind) -> list[Record]:
        data = self._load()
        person = data["people"].get(f"{id_type}:{id_number.upper()}")
        if person is None:
            return []
        kinds = INSURANCES if kind is RecordKind.PAYMENTS else (kind,)
        found = [r for k in kinds for r in self._expand(data, person, k)]
        return sorted(
            found, key=lambda r: (r.period, INSURANCES.index(r.insurance) if r.insurance in INSURANCES else 9)
        )

    def _expand(self, data: dict, person: dict, kind: RecordKind) -> list[Record]:
        through = data["through"]
        floor = Decimal(str(data.get("base_floor", 0)))
        unit_rate, personal_rate = (Decimal(str(x)) for x in data["rates"][kind.value])
        arrears = set(person.get("arrears", ()))
        records = []
        for job in person["jobs"]:
            if kind.value in job.get("without", ()):
                continue
            rate = Decimal(str(job["injury_rate"])) if kind is RecordKind.INJURY else unit_rate
            for period in _months(job["from"], min(job.get("to") or through, through)):
                base = _base_for(job, period, floor)
                records.append(
                    Record(
                        insurance=kind,
                        period=period,
                        unit=job["unit"],
                        base=base,
                        unit_amount=(base * rate).quantize(CENT, rounding=ROUND_HALF_UP),
                        personal_amount=(base * personal_rate).quantize(CENT, rounding=ROUND_HALF_UP),
                        status=RecordStatus.ARREARS if period in arrears else RecordStatus.PAID,
                    )
                )
        return records


def _http() -> HttpSiRecords:
    from chalicelib import crypto

    cfg = settings.get()
    return HttpSiRecords(cfg.si_records_url or "", cfg.si_records_app_id or "", crypto.platform_secret("si_records"))


_PLATFORMS = {
    "local": lambda: LocalSiRecords(settings.get().local_si_records_path),
    "http": _http,
}


def platform() -> SiRecords:
    return _PLATFORMS[settings.get().si_records]()
