"""Generate an unseen, labelled customer table for the discovery benchmark.

It differs from the shared corpus on purpose: other headers (证件号码, 联系电话, 工作单位,
客户备注…), a phone column mixing mobiles and landlines, other value formats (dotted
and 0086 phones, dashed IDs, Visa/Mastercard numbers, 弄/号楼/社区 addresses, Faker's
fictional addresses, law firms and 工作室), other note templates and decoys (会员卡号,
运单号, 18-digit waybills that fail the ID check digit), written as GB18030 CSV.

Ground truth uses the format of corpus-public-10k/truth.json. Everything is synthetic.

    python bench/gen_table.py --rows 100000 --seed 7 --out bench/data/unseen-100k
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from faker import Faker
from stdnum import luhn
from stdnum.cn import uscc

from piplvault.discovery.lexicon import division_entries, surnames

COLUMNS: list[tuple[str, str, str | None]] = [
    ("序号", "non_pii", None),
    ("会员卡号", "decoy", None),
    ("客户姓名", "pii", "PERSON"),
    ("性别", "non_pii", None),
    ("证件号码", "pii", "CN_RESIDENT_ID"),
    ("联系电话", "pii", "CN_MOBILE|CN_LANDLINE"),
    ("电子邮件", "pii", "EMAIL"),
    ("开户银行", "pii", "BANK_BRANCH"),
    ("银行账号", "pii", "BANK_CARD"),
    ("联系地址", "pii", "ADDRESS"),
    ("工作单位", "pii", "ORG_NAME"),
    ("纳税人识别号", "pii", "CN_USCC"),
    ("运单号", "decoy", None),
    ("实付金额", "decoy", None),
    ("创建时间", "decoy", None),
    ("客户备注", "free_text", None),
]
ENTITY_TYPES = {
    "PERSON": "natural person's name",
    "CN_RESIDENT_ID": "居民身份证号码, 18-digit or 15-digit",
    "CN_MOBILE": "mainland mobile number",
    "CN_LANDLINE": "fixed-line number with area code, optional extension",
    "EMAIL": "e-mail address",
    "BANK_CARD": "bank card number, 16-19 digits, Luhn-valid",
    "BANK_BRANCH": "bank or bank branch name",
    "ADDRESS": "postal address",
    "ORG_NAME": "organisation name",
    "CN_USCC": "统一社会信用代码",
}
_BANKS = [
    "中国农业银行股份有限公司",
    "中国建设银行",
    "招商银行股份有限公司",
    "中国邮政储蓄银行",
    "华夏银行",
    "宁波银行",
    "北京农商银行",
    "浙江泰隆商业银行",
    "中信银行",
    "平安银行",
]
_ROADS = [
    "滨河",
    "文化",
    "光明",
    "胜利",
    "红旗",
    "建设",
    "东风",
    "花园",
    "体育",
    "府前",
    "新华",
]
_ESTATES = [
    "阳光",
    "金色",
    "丽景",
    "翠湖",
    "锦江",
    "龙湖",
    "万科",
    "碧桂园",
    "御景",
    "和谐",
]
_ORG_KINDS = [
    "科技有限公司",
    "贸易有限责任公司",
    "集团股份有限公司",
    "律师事务所",
    "设计工作室",
    "餐饮管理有限公司",
    "会计师事务所（特殊普通合伙）",
    "商贸有限公司",
    "网络科技股份有限公司",
]
_MINORITY = [
    "买买提·艾力",
    "阿依古丽·买买提",
    "热依拉·吐尔逊",
    "巴特尔·那顺",
    "扎西·多吉",
]
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文浩宇轩梓涵欣怡子墨一诺嘉昊天佳琪雨桐"


class Maker:
    """Seeded generators for values and notes."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        Faker.seed(seed)
        self.f = Faker("zh_CN")
        single, double = surnames()
        self.single = sorted(single)
        self.double = sorted(double)
        self.areas: list[tuple[str, str, str]] = self._areas()

    def _areas(self) -> list[tuple[str, str, str]]:
        rows = list(division_entries())
        rows = [(lvl, n) for lvl, n in rows if len(n) >= 3]
        prov = [n for lvl, n in rows if lvl == "p" and n.endswith(("省", "自治区"))]
        city = [
            n for lvl, n in rows if lvl == "c" and n.endswith(("市", "自治州", "地区"))
        ]
        county = [n for lvl, n in rows if lvl == "d" and n.endswith(("区", "县", "市"))]
        return [
            (self.r.choice(prov), self.r.choice(city), self.r.choice(county))
            for _ in range(400)
        ]

    # -- values -------------------------------------------------------------------------
    def person(self) -> tuple[str, str]:
        x = self.r.random()
        if x < 0.05:
            return self.r.choice(_MINORITY), "minority"
        if x < 0.12:
            return self.r.choice(self.double) + self.r.choice(_GIVEN), "compound"
        if x < 0.5:
            given = "".join(self.r.choice(_GIVEN) for _ in range(self.r.choice((1, 2))))
            return self.r.choice(self.single[:150]) + given, "own"
        return self.f.name(), "faker"

    def ssn(self) -> str:
        """A resident ID number: Faker also draws 81/82/83 address codes, which are
        港澳台居民居住证 numbers, not resident ID numbers."""
        number = self.f.ssn()
        while number[:2] in ("81", "82", "83"):
            number = self.f.ssn()
        return number

    def resident_id(self) -> tuple[str, str]:
        x = self.r.random()
        if x < 0.08:
            birth = self.f.date_of_birth(minimum_age=30, maximum_age=75)
            area = self.ssn()[:6]
            return f"{area}{birth:%y%m%d}{self.r.randint(0, 999):03d}", "old15"
        number = self.ssn()
        if x < 0.18:
            return f"{number[:6]}-{number[6:14]}-{number[14:]}", "dash"
        if x < 0.25 and number.endswith("X"):
            return number[:-1] + "x", "x"
        if x < 0.3:
            return number.translate(
                {c: c + 0xFEE0 for c in range(0x30, 0x3A)}
            ), "fullwidth"
        return number, "plain"

    def mobile(self) -> tuple[str, str]:
        n = self.f.phone_number()
        return self.r.choice(
            [
                (n, "plain"),
                (f"(+86){n}", "paren86"),
                (f"0086 {n[:3]} {n[3:7]} {n[7:]}", "0086sp"),
                (f"{n[:3]}.{n[3:7]}.{n[7:]}", "dot"),
                (f"+86-{n}", "p86dash"),
            ]
        )

    def landline(self) -> tuple[str, str]:
        area = self.r.choice(
            [
                "010",
                "021",
                "022",
                "023",
                "020",
                "0755",
                "0571",
                "025",
                "0512",
                "0731",
                "028",
                "029",
                "0898",
            ]
        )
        num = str(self.r.randint(2, 8)) + "".join(
            str(self.r.randint(0, 9)) for _ in range(7)
        )
        return self.r.choice(
            [
                (f"{area}-{num}", "dash"),
                (f"{area}-{num[:4]} {num[4:]}", "split"),
                (f"({area}) {num}", "paren_sp"),
                (f"{area}-{num}转{self.r.randint(100, 9999)}", "zhuan"),
                (f"+86 {area[1:]} {num}", "p86"),
            ]
        )

    def email(self) -> tuple[str, str]:
        e = self.f.email().replace(
            "example.", self.r.choice(["163.", "sina.", "example."])
        )
        x = self.r.random()
        if x < 0.1:
            user, host = e.split("@")
            return f"{user}+vip@mail.{host}", "plus_sub"
        if x < 0.2:
            return e.upper(), "upper"
        return e, "plain"

    def card(self) -> tuple[str, str]:
        length = self.r.choice((16, 16, 19, 19, 17, 18))
        prefix = self.r.choice(
            ["622848", "621700", "6217", "4367", "5187", "6259", "4563"]
        )
        body = prefix + "".join(
            str(self.r.randint(0, 9)) for _ in range(length - len(prefix) - 1)
        )
        number = body + luhn.calc_check_digit(body)
        if self.r.random() < 0.2:
            return " ".join(number[i : i + 4] for i in range(0, len(number), 4)), "sp4"
        return number, "plain"

    def branch(self) -> tuple[str, str]:
        bank = self.r.choice(_BANKS)
        if self.r.random() < 0.15:
            return bank, "bank_only"
        place = self.r.choice(self.areas)[1].removesuffix("市")[:3]
        return f"{bank}{place}{self.r.choice(['', '城东', '高新'])}支行", "branch"

    def address(self) -> tuple[str, str]:
        prov, city, county = self.r.choice(self.areas)
        x = self.r.random()
        road = self.r.choice(_ROADS) + self.r.choice(["路", "街", "大道", "巷"])
        if x < 0.2:
            return self.f.address(), "faker"
        if x < 0.45:
            return (
                f"{city}{county}{road}{self.r.randint(1, 300)}弄{self.r.randint(1, 40)}号"
                f"{self.r.randint(1, 30)}0{self.r.randint(1, 4)}室"
            ), "lane"
        if x < 0.7:
            return (
                f"{prov}{city}{county}{self.r.choice(_ESTATES)}小区{self.r.randint(1, 30)}号楼"
                f"{self.r.randint(1, 6)}单元{self.r.randint(1, 33)}0{self.r.randint(1, 4)}"
            ), "estate"
        if x < 0.85:
            return (
                f"{prov}{county}{self.r.choice(_ROADS)}街道{self.r.choice(_ESTATES)}社区"
                f"{road}{self.r.randint(1, 999)}号"
            ), "community"
        return f"{city}{county}{road}{self.r.randint(1, 999)}号", "short"

    def org(self) -> tuple[str, str]:
        name = self.f.company_prefix() if hasattr(self.f, "company_prefix") else "华成"
        x = self.r.random()
        if x < 0.2:
            city = self.r.choice(self.areas)[1].removesuffix("市")[:2]
            return f"{name}（{city}）{self.r.choice(_ORG_KINDS[:3])}", "city_paren"
        if x < 0.4:
            return self.f.company(), "faker"
        return name + self.r.choice(_ORG_KINDS), "kind"

    def credit_code(self) -> tuple[str, str]:
        prov = self.r.choice(["11", "31", "44", "33", "51", "32"])
        body = (
            self.r.choice(["91", "92", "52", "12"])
            + prov
            + "".join(self.r.choice("0123456789") for _ in range(4))
            + "".join(
                self.r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)
            )
        )
        code = body + uscc.calc_check_digit(body)
        return (code.lower(), "lower") if self.r.random() < 0.1 else (code, "plain")

    def waybill(self) -> str:
        if self.r.random() < 0.5:
            return "SF" + "".join(str(self.r.randint(0, 9)) for _ in range(13))
        number = self.f.ssn()
        wrong = self.r.choice([c for c in "0123456789X" if c != number[-1]])
        return number[:-1] + wrong

    # -- notes --------------------------------------------------------------------------
    def note(self) -> tuple[str, list[tuple[int, int, str, str, str]]]:
        """A note and its spans (start, end, entity, text, variant)."""
        parts: list[tuple[str, str | None, str]] = []
        choice = self.r.randrange(14)
        p, pv = self.person()
        if choice == 0:
            m = self.mobile()
            parts = [
                (p, "PERSON", pv),
                ("先生来电反映快递未送达，回拨", None, ""),
                (m[0], "CN_MOBILE", m[1]),
                ("无人接听。", None, ""),
            ]
        elif choice == 1:
            m, e = self.mobile(), self.email()
            parts = [
                ("经办人：", None, ""),
                (p, "PERSON", pv),
                ("；联系方式：", None, ""),
                (m[0], "CN_MOBILE", m[1]),
                ("；邮箱：", None, ""),
                (e[0], "EMAIL", e[1]),
            ]
        elif choice == 2:
            i = self.resident_id()
            parts = [
                ("已向", None, ""),
                (p, "PERSON", pv),
                ("女士核实，其证件号码为", None, ""),
                (i[0], "CN_RESIDENT_ID", i[1]),
                ("。", None, ""),
            ]
        elif choice == 3:
            m, a = self.mobile(), self.address()
            parts = [
                ("收货人：", None, ""),
                (p, "PERSON", pv),
                ("，", None, ""),
                (m[0], "CN_MOBILE", m[1]),
                ("，", None, ""),
                (a[0], "ADDRESS", a[1]),
            ]
        elif choice == 4:
            a, o = self.address(), self.org()
            parts = [
                ("请将发票寄往", None, ""),
                (a[0], "ADDRESS", a[1]),
                ("，收件单位", None, ""),
                (o[0], "ORG_NAME", o[1]),
                ("。", None, ""),
            ]
        elif choice == 5:
            b, c = self.branch(), self.card()
            parts = [
                ("客户", None, ""),
                (p, "PERSON", pv),
                ("要求退款到", None, ""),
                (b[0], "BANK_BRANCH", b[1]),
                ("（账号：", None, ""),
                (c[0], "BANK_CARD", c[1]),
                ("）。", None, ""),
            ]
        elif choice == 6:
            o, u = self.org(), self.credit_code()
            parts = [
                (o[0], "ORG_NAME", o[1]),
                ("（统一社会信用代码：", None, ""),
                (u[0], "CN_USCC", u[1]),
                ("）为本单付款方。", None, ""),
            ]
        elif choice == 7:
            ll = self.landline()
            parts = [
                ("办公电话", None, ""),
                (ll[0], "CN_LANDLINE", ll[1]),
                ("，联系人", None, ""),
                (p, "PERSON", pv),
                ("经理。", None, ""),
            ]
        elif choice == 8:
            parts = [
                (
                    f"运单号{self.waybill()}已揽收，预计{self.r.randint(1, 5)}天送达。",
                    None,
                    "",
                )
            ]
        elif choice == 9:
            parts = [
                (
                    f"活动编码{self.r.randint(10**15, 10**16 - 1)}已失效，积分{self.r.randint(100, 99999)}分。",
                    None,
                    "",
                )
            ]
        elif choice == 10:
            parts = [
                (
                    f"{self.f.date_between('-3y', 'today')}回访：客户对服务满意，暂无新需求。",
                    None,
                    "",
                )
            ]
        elif choice == 11:
            parts = [
                (
                    f"订单{self.waybill()}申请退货，退款{self.r.randint(10, 9999)}.{self.r.randint(10, 99)}元。",
                    None,
                    "",
                )
            ]
        elif choice == 12:
            a = self.address()
            parts = [
                (p, "PERSON", pv),
                ("的新地址是", None, ""),
                (a[0], "ADDRESS", a[1]),
                ("，请更新。", None, ""),
            ]
        else:
            parts = [("", None, "")]
        text, spans = "", []
        for piece, entity, variant in parts:
            if entity:
                spans.append(
                    (len(text), len(text) + len(piece), entity, piece, variant)
                )
            text += piece
        return text, spans


def generate(rows: int, seed: int, out: Path) -> None:
    """Write customers.csv (GB18030), truth.json and meta.json into ``out``."""
    m = Maker(seed)
    out.mkdir(parents=True, exist_ok=True)
    names = [c[0] for c in COLUMNS]
    cells: dict[str, list[str | None]] = {n: [] for n in names}
    variants: dict[str, list[str | None]] = {n: [] for n in names}
    spans: list[list[Any]] = []
    start = dt.datetime(2024, 1, 1)
    with (out / "customers.csv").open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in range(rows):
            values = _row(m, row, start)
            note, found = m.note()
            values[-1] = (note, None, None)
            writer.writerow([v[0] for v in values])
            for name, (value, entity, variant) in zip(names, values, strict=True):
                cells[name].append(entity if value else None)
                variants[name].append(variant if value and entity else None)
            for s, e, entity, text, variant in found:
                spans.append([row, "客户备注", s, e, entity, text, variant])
    truth = {
        "columns": [{"name": n, "kind": k, "nominal_type": t} for n, k, t in COLUMNS],
        "cells": cells,
        "variants": variants,
        "spans": spans,
        "entity_types": ENTITY_TYPES,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    meta = {
        "generator": "bench/gen_table.py",
        "rows": rows,
        "seed": seed,
        "encoding": "gb18030",
        "csv": "customers.csv",
    }
    (out / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1), "utf-8"
    )


def _row(
    m: Maker, row: int, start: dt.datetime
) -> list[tuple[str, str | None, str | None]]:
    r = m.r

    def maybe(
        pair: tuple[str, str], entity: str, empty: float = 0.1
    ) -> tuple[str, str | None, str | None]:
        return ("", None, None) if r.random() < empty else (pair[0], entity, pair[1])

    phone = m.mobile() if r.random() < 0.7 else None
    phone_cell = (
        (phone[0], "CN_MOBILE", phone[1])
        if phone
        else (lambda x: (x[0], "CN_LANDLINE", x[1]))(m.landline())
    )
    return [
        (str(row + 1), None, None),
        (f"VIP{r.randint(10**9, 10**10 - 1)}", None, None),
        maybe(m.person(), "PERSON", 0.02),
        (r.choice(["男", "女"]), None, None),
        maybe(m.resident_id(), "CN_RESIDENT_ID", 0.15),
        phone_cell if r.random() > 0.05 else ("", None, None),
        maybe(m.email(), "EMAIL", 0.2),
        maybe(m.branch(), "BANK_BRANCH", 0.2),
        maybe(m.card(), "BANK_CARD", 0.2),
        maybe(m.address(), "ADDRESS", 0.08),
        maybe(m.org(), "ORG_NAME", 0.3),
        maybe(m.credit_code(), "CN_USCC", 0.5),
        (m.waybill(), None, None),
        (f"{r.randint(1, 99999) / 100:.2f}", None, None),
        (
            (start + dt.timedelta(minutes=r.randint(0, 10**6))).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            None,
            None,
        ),
        ("", None, None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/data/unseen-100k"))
    args = parser.parse_args()
    generate(args.rows, args.seed, args.out)
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
