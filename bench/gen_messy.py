"""Generate a messy, labelled customer export (issue 12, items 4-8) for the benchmark.

Unlike gen_table.py it makes the export the way real ones arrive: headers drawn per seed
from Chinese, English, pinyin and mixed spellings (``ID No.``, ``Tel/Mobile``,
``shoujihao``, ``列7``…); Excel artefacts (``'138…``, ``="…"``, ``1.1E+17``, midnight
date-times); labels and suffixes inside cells (``手机：``, ``(微信同号)``); several values
in one cell; placeholders (无, /, 同上, 公海); a contact column mixing mobiles and
landlines; WeChat, QQ and emergency-contact columns; a 证件号码 column whose 证件类型 neighbour names
each row's document (bench/gen_documents.py: resident IDs, passports, permits, 港澳台居民
居住证, 永居证, 军官证); decoys (会员卡号, 运单号, 商品名称,
订单状态, 实付金额, 创建时间) and a notes column with labelled spans.

Tune on one seed and keep another unseen: ``--seed 11`` is the tuning seed, ``--seed 12``
the held-out seed (do not look at its errors while changing the recognizers).

    python bench/gen_messy.py --rows 20000 --seed 12 --out bench/data/messy-12
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from bench.gen_documents import Documents
from bench.gen_table import Maker

Cell = tuple[str, str | None]  # (text, truth entity or None)

#: (kind, truth type, header spellings); one spelling per seed.
COLUMNS: list[tuple[str, str | None, list[str]]] = [
    ("non_pii", None, ["序号", "No.", "xuhao", "行号"]),
    ("decoy", None, ["会员卡号", "会员编号", "Member No.", "VIP卡号"]),
    ("pii", "PERSON", ["客户姓名", "姓名", "Name", "xingming", "联系人姓名"]),
    ("pii", "CN_RESIDENT_ID", ["身份证号码", "ID No.", "Id_No", "身份证号", "sfzh"]),
    ("non_pii", None, ["证件类型", "证件种类", "ID Type", "证照类别"]),
    (
        "pii",
        "CN_RESIDENT_ID|HMT_RESIDENCE_PERMIT|FOREIGN_PERMANENT_RESIDENT_ID|PASSPORT|"
        "HK_MACAO_PERMIT|TAIWAN_PERMIT|MILITARY_ID",
        ["证件号码", "证件号", "ID Number", "zhengjianhaoma", "证照号码"],
    ),
    (
        "pii",
        "CN_MOBILE|CN_LANDLINE",
        ["联系方式", "Tel/Mobile", "联系电话", "电话号码"],
    ),
    ("pii", "CN_MOBILE", ["列7", "Unnamed: 6", "col_6", "备用号码"]),
    ("pii", "EMAIL", ["电子邮箱", "E-mail", "Email Address", "youxiang"]),
    ("pii", "BANK_CARD", ["银行卡号", "收款账号", "Card No.", "银行账户"]),
    ("pii", "ADDRESS", ["收货地址", "联系地址", "Address", "dizhi"]),
    ("pii", "WECHAT_ID", ["微信号", "WeChat", "微信", "weixin"]),
    ("pii", "QQ_NUMBER", ["QQ", "QQ号", "qq号码", "QQ No."]),
    (
        "pii",
        "EMERGENCY_CONTACT",
        ["紧急联系人", "紧急联系人及电话", "Emergency Contact"],
    ),
    ("pii", "DATE_OF_BIRTH", ["出生日期", "生日", "Birthday", "DOB"]),
    ("decoy", None, ["运单号", "快递单号", "Tracking No.", "物流单号"]),
    ("decoy", None, ["商品名称", "产品名称", "Product Name", "品名"]),
    ("decoy", None, ["订单状态", "状态", "Status", "处理状态"]),
    ("decoy", None, ["实付金额", "金额", "Amount", "订单金额"]),
    ("decoy", None, ["创建时间", "下单时间", "Created At", "日期"]),
    ("free_text", None, ["客户备注", "备注", "Remark", "跟进记录"]),
]
_PLACEHOLDERS = ["无", "/", "同上", "-", "暂无", "公海"]
_PRODUCTS = ["保温杯", "蓝牙耳机", "儿童绘本", "空气炸锅", "瑜伽垫", "茶叶礼盒"]
_STATUS = ["已完成", "待发货", "已取消", "退款中"]


class Messy:
    """Seeded makers of dirty cells."""

    def __init__(self, seed: int) -> None:
        self.m = Maker(seed)
        self.r = self.m.r
        self.documents = Documents(self.r, self.m.f, self.m.resident_id)

    def dirty(self, text: str, label: str = "") -> str:
        x = self.r.random()
        if x < 0.05:
            return "'" + text
        if x < 0.08:
            return f'="{text}"'
        if x < 0.12 and label:
            return f"{label}：{text}"
        if x < 0.15:
            return f"  {text}\t"
        return text

    def empty_or(self, cell: Cell, empty: float = 0.08) -> Cell:
        x = self.r.random()
        if x < empty:
            return ("", None)
        if x < empty + 0.03:
            return (self.r.choice(_PLACEHOLDERS), None)
        return cell

    def document_mention(self, note: str) -> tuple[str, tuple[int, int, str, str, str]]:
        """``note`` with a document named by its kind appended (持永居证：USA31…), and
        the number's span."""
        kind, number, entity = self.documents.document()
        kind = kind or "身份证号"
        lead = self.r.choice(["；", "，客户", "。持"]) if note else ""
        text = f"{note}{lead}{kind}{self.r.choice(['：', '号码：', ' ', ''])}"
        return text + number, (len(text), len(text) + len(number), entity, number, kind)

    def mobile_digits(self) -> str:
        return self.m.f.phone_number()

    def row(self, number: int, start: dt.datetime) -> list[Cell]:
        r, m = self.r, self.m
        mobile = self.mobile_digits()
        if r.random() < 0.04:
            mobile_cell: Cell = (f"{mobile}；{self.mobile_digits()}", "CN_MOBILE")
        elif r.random() < 0.05:
            mobile_cell = (f"{mobile}(微信同号)", "CN_MOBILE")
        else:
            mobile_cell = (self.dirty(m.mobile()[0], "手机"), "CN_MOBILE")
        contact: Cell = (
            mobile_cell if r.random() < 0.7 else (m.landline()[0], "CN_LANDLINE")
        )
        rid = m.resident_id()[0]
        id_cell: Cell = (
            (f"{rid[:3]}{rid[3]}.{rid[4:9]}E+17", None)
            if r.random() < 0.03 and rid[:17].isdigit()
            else (self.dirty(rid), "CN_RESIDENT_ID")
        )
        kind, doc_number, document = self.documents.document()
        birth = m.f.date_of_birth(minimum_age=18, maximum_age=80)
        birth_text = r.choice(
            [f"{birth:%Y-%m-%d}", f"{birth:%Y/%m/%d}", f"{birth:%Y-%m-%d} 00:00:00"]
        )
        wechat = r.choice(
            [f"wxid_{m.f.user_name()}"[:20], m.f.user_name()[:18] + "88", mobile]
        )
        if not wechat[0].isalpha() and not wechat.isdigit():
            wechat = "wx" + wechat
        if len(wechat) < 6:  # WeChat ids are 6-20 characters
            wechat = wechat + "_wx"
        emergency = f"{m.person()[0]} {self.mobile_digits()}"
        created = start + dt.timedelta(minutes=r.randint(0, 10**6))
        return [
            (str(number), None),
            (f"VIP{r.randint(10**9, 10**10 - 1)}", None),
            self.empty_or((m.person()[0], "PERSON"), 0.02),
            self.empty_or(id_cell, 0.12),
            (kind, None),
            (self.dirty(doc_number), document),
            self.empty_or(contact, 0.05),
            self.empty_or((self.dirty(self.mobile_digits()), "CN_MOBILE"), 0.3),
            self.empty_or((m.email()[0], "EMAIL"), 0.2),
            self.empty_or((m.card()[0], "BANK_CARD"), 0.25),
            self.empty_or((m.address()[0], "ADDRESS"), 0.08),
            self.empty_or((wechat, "WECHAT_ID"), 0.3),
            self.empty_or((str(r.randint(10**5, 10**10)), "QQ_NUMBER"), 0.4),
            self.empty_or((emergency, "EMERGENCY_CONTACT"), 0.3),
            self.empty_or((birth_text, "DATE_OF_BIRTH"), 0.2),
            (m.waybill(), None),
            (r.choice(_PRODUCTS), None),
            (r.choice(_STATUS), None),
            (f"{r.randint(1, 99999) / 100:.2f}", None),
            (f"{created:%Y-%m-%d %H:%M:%S}", None),
            ("", None),
        ]


def generate(rows: int, seed: int, out: Path) -> None:
    """Write customers.csv (UTF-8 with BOM, as Excel saves it), truth.json, meta.json."""
    maker = Messy(seed)
    headers = [maker.r.choice(spellings) for _, _, spellings in COLUMNS]
    out.mkdir(parents=True, exist_ok=True)
    cells: dict[str, list[str | None]] = {h: [] for h in headers}
    spans: list[list[Any]] = []
    start = dt.datetime(2024, 1, 1)
    with (out / "customers.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in range(rows):
            values = maker.row(row + 1, start)
            note, found = maker.m.note()
            if maker.r.random() < 0.12:
                note, mention = maker.document_mention(note)
                found = [*found, mention]
            values[-1] = (note, None)
            writer.writerow([v[0] for v in values])
            for header, (text, entity) in zip(headers, values, strict=True):
                cells[header].append(entity if text.strip() else None)
            for s, e, entity, text, variant in found:
                spans.append([row, headers[-1], s, e, entity, text, variant])
    truth = {
        "columns": [
            {"name": h, "kind": kind, "nominal_type": nominal}
            for h, (kind, nominal, _) in zip(headers, COLUMNS, strict=True)
        ],
        "cells": cells,
        "spans": spans,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    meta = {"generator": "bench/gen_messy.py", "rows": rows, "seed": seed}
    (out / "meta.json").write_text(json.dumps(meta, indent=1), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(f"bench/data/messy-{args.seed}")
    generate(args.rows, args.seed, out)
    print(f"wrote {args.rows} rows to {out}")


if __name__ == "__main__":
    main()
