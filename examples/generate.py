"""Generate the synthetic example customer files (seeded; never real people).

Writes examples/customers.csv (UTF-8 with BOM, as Excel saves it), customers-gbk.csv
(GB18030/GBK, as WPS/Excel on Chinese Windows save it) and customers.xlsx. Every identifier
has a valid check digit; e-mails use example domains.

    python examples/generate.py [--rows 200] [--out examples]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from faker import Faker

HEADERS = [
    "客户编号",
    "客户类型",
    "客户名称",
    "姓名",
    "身份证号",
    "手机号",
    "邮箱",
    "银行卡号",
    "开户行",
    "地址",
    "统一社会信用代码",
    "订单号",
    "交易金额",
    "备注",
]
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "招商银行", "交通银行"]
_DOMAINS = ["example.com", "example.cn", "example.org"]


def resident_id(rng: random.Random, fake: Faker) -> str:
    area = rng.choice(["110105", "310115", "440106", "320102", "510104", "330106"])
    birth = fake.date_of_birth(minimum_age=18, maximum_age=80).strftime("%Y%m%d")
    body = f"{area}{birth}{rng.randint(0, 999):03d}"
    check = "10X98765432"[
        sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11
    ]
    return body + check


def uscc(rng: random.Random) -> str:
    body = (
        "91"
        + rng.choice(["110105", "310115", "440106"])
        + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
    )
    total = sum(
        _USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True)
    )
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def bank_card(rng: random.Random) -> str:
    body = rng.choice(["622202", "621700", "622848", "621483"]) + "".join(
        str(rng.randint(0, 9)) for _ in range(12)
    )
    digits = [int(c) for c in body]
    for i in range(len(digits) - 1, -1, -2):
        digits[i] = digits[i] * 2 - 9 if digits[i] * 2 > 9 else digits[i] * 2
    return body + str((10 - sum(digits) % 10) % 10)


#: Voice segments every numbering-plan release agrees on (no data-only 14x segments, whose
#: validity differs between phonenumbers releases): fixtures stay valid under our validator.
_MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
]


def mobile_number(rng: random.Random) -> str:
    """A mainland mobile number that our own validator accepts (redrawn until it does)."""
    from piplvault.discovery import mobile

    while True:
        number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        if mobile.validate(number):
            return number


def make_rows(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rows = []
    for n in range(1, count + 1):
        enterprise = rng.random() < 0.25
        person = fake.name()
        company = fake.company()
        mobile = mobile_number(rng)
        email = f"{fake.user_name()}{n}@{rng.choice(_DOMAINS)}"
        rows.append(
            [
                f"KH{n:06d}",
                "企业" if enterprise else "个人",
                company if enterprise else person,
                person,
                "" if enterprise else resident_id(rng, fake),
                mobile,
                email,
                "" if enterprise else bank_card(rng),
                f"{rng.choice(_BANKS)}{fake.city_name()}支行",
                fake.address().split(" ")[0],
                uscc(rng) if enterprise else "",
                f"{rng.randint(10**17, 10**18 - 1)}",
                f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
                f"联系{person}（{mobile}）确认收货。"
                if rng.random() < 0.5
                else "客户要求开具发票。",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    rows = make_rows(args.rows, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "customers.csv", rows, "utf-8-sig")
    write_csv(args.out / "customers-gbk.csv", rows, "gb18030")
    write_xlsx(args.out / "customers.xlsx", rows)
    print(f"wrote {len(rows)} rows to {args.out}")


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  a new workbook always has an active sheet
    sheet.title = "客户信息"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    for column in sheet.iter_cols():
        for cell in column:
            cell.number_format = "@"
    book.save(path)


if __name__ == "__main__":
    main()
