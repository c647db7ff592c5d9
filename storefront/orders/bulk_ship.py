"""Shipping many parcels from one CSV file: order number, carrier, tracking
number per row.

`bulk_ship_plan` reads the file and checks every row without writing (the
dry run); `bulk_ship_apply` ships the plan's valid rows through
`shipping.fulfillments_ship`, the same rule as a single parcel's ship:
`SHIP_CHUNK` parcels per transaction, their orders and parcels locked in pk
order and each checked again under the lock, then written set-based (one
stock move, one update each for lines, parcels and orders, one insert of
the events). A row that fails then (someone shipped or refunded it
meanwhile) is reported in `row.apply_error` and the others go on. Called
with no transaction open: each chunk commits, and one task per chunk mails
its customers after.

The file:
- UTF-8 (with or without BOM) or GBK/GB18030, as Excel in China saves it;
  anything else (UTF-16, an .xlsx, binary) is refused as a whole;
- at most MAX_BYTES and MAX_ROWS rows;
- a header row naming the columns, in Chinese or English (HEADERS), in any
  order; other columns are ignored. An optional 工坊/workshop column picks
  the parcel of an order that several workshops ship;
- the carrier as its code or its Chinese or English name (carriers.py);
- cells starting with =, +, - or @ are refused, never interpreted: a file
  that passed through a spreadsheet may carry formulas.

Lookups are set-based: one query for the orders and their parcels whatever
the number of rows; applying costs a fixed number of queries per chunk,
whatever the number of rows in it.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch

from brands.permissions import Action, user_can
from storefront.core.errors import DomainError

from .errors import OrderError, OrderErrorCode
from .models import Fulfillment, FulfillmentStatus, Order
from .shipping import ShipItem, check_shippable, fulfillments_ship, tracking_clean

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000

ORDER, CARRIER, TRACKING, WORKSHOP = "order", "carrier", "tracking", "workshop"
HEADERS = {
    ORDER: ("订单号", "订单编号", "order_number", "order number", "order", "order no"),
    CARRIER: ("快递公司", "快递", "物流公司", "承运商", "carrier", "courier"),
    TRACKING: (
        "运单号",
        "快递单号",
        "物流单号",
        "tracking_number",
        "tracking number",
        "tracking",
        "tracking no",
        "waybill",
    ),
    WORKSHOP: ("工坊", "workshop"),
}
FORMULA_START = ("=", "+", "-", "@")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+\Z", re.IGNORECASE)


def _header_key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().casefold())


_HEADER_OF = {
    _header_key(name): col for col, names in HEADERS.items() for name in names
}


@dataclass
class BulkShipRow:
    """One row of the file; `errors` empty when it can ship."""

    row: int  # as a spreadsheet numbers it: the header is row 1
    order_number: str
    carrier: str  # the carrier's code once checked, else as typed
    tracking_number: str
    workshop_name: str = ""
    fulfillment_id: int | None = None
    errors: list[str] = field(default_factory=list)
    # Set by bulk_ship_apply: "shipped", or the error that stopped it then.
    shipped: bool = False
    apply_error: str = ""
    # A formula-looking cell: the row is refused and not looked up.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self, zh: str, en: str) -> str:
        return f"第 {self.row} 行：{zh} / Row {self.row}: {en}"

    def add(self, zh: str, en: str) -> None:
        self.errors.append(self.message(zh, en))

    def add_error(self, error: DomainError) -> None:
        self.add(error.message_zh, error.message_en)

    def add_apply_error(self, error: DomainError) -> None:
        self.apply_error = self.message(error.message_zh, error.message_en)


@dataclass
class BulkShipPlan:
    rows: list[BulkShipRow]
    workshop_id: int | None = None

    @property
    def valid_rows(self) -> list[BulkShipRow]:
        return [row for row in self.rows if row.ok]

    @property
    def error_rows(self) -> list[BulkShipRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def errors(self) -> list[str]:
        return [message for row in self.rows for message in row.errors]


def _file_error(zh: str, en: str) -> OrderError:
    return OrderError(OrderErrorCode.BULK_FILE, field="file", detail=(zh, en))


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise _file_error("文件是空的", "the file is empty")
    if len(data) > MAX_BYTES:
        raise _file_error(
            f"文件超过 {MAX_BYTES // 1024} KB，请分成几个文件",
            f"the file is over {MAX_BYTES // 1024} KB; split it into several",
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            "这是 Excel 文件，请另存为 CSV 再上传",
            "this is an Excel workbook; save it as CSV and upload that",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise _file_error(
            "无法识别文件编码，请存为 UTF-8 或 GBK 编码的 CSV",
            "unrecognised encoding; save the CSV as UTF-8 or GBK",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(
        "无法识别文件编码，请存为 UTF-8 或 GBK 编码的 CSV",
        "unrecognised encoding; save the CSV as UTF-8 or GBK",
    )


def _records(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = "\t" if "\t" in first else (";" if ";" in first else ",")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise _file_error("CSV 格式有误", f"malformed CSV ({error})") from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        col = _HEADER_OF.get(_header_key(cell))
        if col and col not in columns:
            columns[col] = index
    missing = [col for col in (ORDER, CARRIER, TRACKING) if col not in columns]
    if missing:
        raise _file_error(
            "第 1 行须为表头：订单号、快递公司、运单号",
            "row 1 must be the header: order_number, carrier, tracking_number",
        )
    return columns


def _parse(data: bytes) -> tuple[list[BulkShipRow], bool]:
    records = _records(_decode(data))
    if not records:
        raise _file_error("文件是空的", "the file is empty")
    columns = _columns(records[0])
    rows: list[BulkShipRow] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(
                f"超过 {MAX_ROWS} 行，请分成几个文件",
                f"more than {MAX_ROWS} rows; split the file",
            )

        def cell(col: str, record=record) -> str:
            index = columns.get(col)
            return (
                record[index].strip()
                if index is not None and index < len(record)
                else ""
            )

        row = BulkShipRow(
            row=number,
            order_number=cell(ORDER),
            carrier=cell(CARRIER),
            tracking_number=cell(TRACKING),
            workshop_name=cell(WORKSHOP),
        )
        rows.append(row)
    return rows, WORKSHOP in columns


def _check_cells(row: BulkShipRow) -> None:
    """Formulas refused, blanks named, carrier and number checked; the row's
    carrier and number become their checked forms."""
    cells = (row.order_number, row.carrier, row.tracking_number, row.workshop_name)
    if any(value.startswith(FORMULA_START) for value in cells):
        row.refused = True
        row.add(
            "单元格以 =、+、-、@ 开头，疑似公式，不予处理",
            "a cell starts with =, +, - or @ and looks like a formula; refused",
        )
        return
    if not row.order_number:
        row.add("缺少订单号", "the order number is missing")
    if _SCIENTIFIC.match(row.tracking_number):
        row.add(
            "运单号被 Excel 转成了科学计数法，请把该列设为文本后重新导出",
            "Excel turned the tracking number into a number like 7.3E+11; "
            "format the column as text and export again",
        )
        return
    try:
        row.carrier, row.tracking_number = tracking_clean(
            row.carrier, row.tracking_number
        )
    except OrderError as error:
        row.add_error(error)


def _unknown_order(row: BulkShipRow) -> None:
    row.add(
        f"找不到订单号 {row.order_number}",
        f"unknown order number {row.order_number}",
    )


def _pick_parcel(
    row: BulkShipRow, order: Order, *, user, workshop_id: int | None, by_name: bool
) -> Fulfillment | None:
    parcels = list(order.fulfillments.all())
    if workshop_id is not None:
        parcels = [f for f in parcels if f.workshop_id == workshop_id]
        if not parcels:
            # The same answer as for a number that does not exist: a workshop
            # must not learn which of other workshops' order numbers are real.
            _unknown_order(row)
            return None
    elif by_name and row.workshop_name:
        parcels = [
            f
            for f in parcels
            if row.workshop_name in (f.workshop.name, str(f.workshop_id))
        ]
        if not parcels:
            row.add(
                f"该订单没有「{row.workshop_name}」的包裹",
                f"this order has no parcel of workshop {row.workshop_name!r}",
            )
            return None
    mine = [f for f in parcels if user_can(user, Action.SHIP_FULFILLMENT, f)]
    if not mine:
        row.add_error(OrderError(OrderErrorCode.PERMISSION_DENIED, field="order"))
        return None
    pending = [f for f in mine if f.status == FulfillmentStatus.PENDING]
    if len(pending) > 1:
        row.add(
            "该订单有多个工坊的包裹，请加一列「工坊」写明是哪一个",
            "this order has parcels of several workshops; "
            "add a workshop column naming which one",
        )
        return None
    return pending[0] if pending else mine[0]


def bulk_ship_plan(*, user, data: bytes, workshop=None) -> BulkShipPlan:
    """Read and check the file without writing anything (the dry run).
    `workshop` limits it to that workshop's parcels (the workshop portal);
    operators pass None. A file that cannot be read as a whole raises
    OrderError(BULK_FILE); row errors are in the plan."""
    rows, by_name = _parse(data)
    workshop_id = workshop.pk if workshop is not None else None
    plan = BulkShipPlan(rows=rows, workshop_id=workshop_id)
    for row in rows:
        _check_cells(row)
    numbers = {
        row.order_number.upper() for row in rows if row.order_number and not row.refused
    }
    orders = {
        order.number.upper(): order
        for order in Order.objects.filter(number__in=numbers).prefetch_related(
            Prefetch(
                "fulfillments",
                queryset=Fulfillment.objects.select_related("workshop").order_by("pk"),
            )
        )
    }
    by_parcel: dict[int, list[BulkShipRow]] = {}
    for row in rows:
        if not row.order_number or row.refused:
            continue
        order = orders.get(row.order_number.upper())
        if order is None:
            _unknown_order(row)
            continue
        row.order_number = order.number
        parcel = _pick_parcel(
            row, order, user=user, workshop_id=workshop_id, by_name=by_name
        )
        if parcel is None:
            continue
        row.fulfillment_id = parcel.pk
        row.workshop_name = parcel.workshop.name
        by_parcel.setdefault(parcel.pk, []).append(row)
        try:
            check_shippable(order, parcel)
        except OrderError as error:
            row.add_error(error)
    for same in by_parcel.values():
        if len(same) > 1:
            numbers_zh = "、".join(str(r.row) for r in same)
            numbers_en = ", ".join(str(r.row) for r in same)
            for row in same:
                row.add(
                    f"同一包裹出现在多行（第 {numbers_zh} 行），请只留一行",
                    f"the same parcel is on several rows ({numbers_en}); keep one",
                )
    return plan


def bulk_ship_apply(*, user, plan: BulkShipPlan, notify_customer: bool = True) -> int:
    """Ship every valid row of the plan, in chunks of `services.SHIP_CHUNK`
    per transaction; the number shipped. A row that fails now keeps its
    message in `row.apply_error` and the others go on. Call with no
    transaction open."""
    ready = [row for row in plan.valid_rows if row.fulfillment_id and not row.shipped]
    parcels = Fulfillment.objects.in_bulk([row.fulfillment_id for row in ready])
    items: list[ShipItem] = []
    asked: list[BulkShipRow] = []
    for row in ready:
        parcel = parcels.get(row.fulfillment_id)
        if parcel is None:
            row.add_apply_error(OrderError(OrderErrorCode.NOT_FOUND, field="order"))
        elif (
            plan.workshop_id is not None and parcel.workshop_id != plan.workshop_id
        ) or not user_can(user, Action.SHIP_FULFILLMENT, parcel):
            row.add_apply_error(
                OrderError(OrderErrorCode.PERMISSION_DENIED, field="order")
            )
        else:
            items.append(ShipItem(parcel, row.carrier, row.tracking_number))
            asked.append(row)
    outcomes = fulfillments_ship(
        items=items, user=user, notify_customer=notify_customer
    )
    for row, outcome in zip(asked, outcomes, strict=True):
        if outcome.error is not None:
            row.add_apply_error(outcome.error)
        else:
            row.shipped = True
    return sum(row.shipped for row in asked)
