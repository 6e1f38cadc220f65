"""Identity documents for the messy-export generator: a 证件类型 cell and its number.

Each row holds one document of the 证件 family, named in a neighbouring 证件类型 column
by one of the spellings people type (身份证, 二代身份证, 因私护照, 回乡证, 港澳台居民居住证,
永居证, 军官证…), and a number in the shape that document has — including the ones that
need the hint (an 8-digit 台胞证, a bare military number, a foreign-looking passport),
the checksummed 18-character numbers (resident ID, 港澳台居民居住证 81/82/83, the 2023
18-digit 永居证 starting with 9) and the older 15-character 永居证 (3 letters + 12
digits). A resident ID's type cell is sometimes left empty (the default document).
"""

from __future__ import annotations

import random

from faker import Faker

#: entity → (weight, type spellings)
TYPES: dict[str, tuple[float, list[str]]] = {
    "CN_RESIDENT_ID": (0.45, ["身份证", "居民身份证", "二代身份证", "ID Card", ""]),
    "PASSPORT": (0.12, ["护照", "中国护照", "因私护照", "Passport"]),
    "HK_MACAO_PERMIT": (0.08, ["港澳通行证", "回乡证", "港澳居民来往内地通行证"]),
    "TAIWAN_PERMIT": (0.07, ["台胞证", "台湾居民来往大陆通行证", "往来台湾通行证"]),
    "HMT_RESIDENCE_PERMIT": (
        0.1,
        ["港澳台居民居住证", "港澳居民居住证", "台湾居民居住证"],
    ),
    "FOREIGN_PERMANENT_RESIDENT_ID": (
        0.1,
        [
            "外国人永久居留身份证",
            "永居证",
            "外国人永久居留证",
            "Permanent Residence ID",
        ],
    ),
    "MILITARY_ID": (0.08, ["军官证", "士兵证", "文职干部证", "军人证件"]),
}
_COUNTRIES = ["USA", "GBR", "FRA", "DEU", "JPN", "KOR", "CAN", "AUS", "RUS", "SGP"]
_NATIONS = ["840", "826", "250", "276", "392", "410", "124", "036", "643", "702"]
_PROVINCES = ["11", "31", "32", "33", "44", "51", "42", "37", "21", "50"]
_BRANCHES = [
    "军",
    "政",
    "后",
    "装",
    "海",
    "空",
    "南",
    "北",
    "沈",
    "兰",
    "成",
    "济",
    "广",
]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first17: str) -> str:
    """GB 11643 MOD 11-2 (written out here so the generator does not use the code
    under test)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


class Documents:
    def __init__(self, r: random.Random, f: Faker, resident_id: object) -> None:
        self.r, self.f = r, f
        self.resident_id = resident_id  # Maker.resident_id

    def digits(self, n: int) -> str:
        return "".join(str(self.r.randint(0, 9)) for _ in range(n))

    def birth(self) -> str:
        return f"{self.f.date_of_birth(minimum_age=18, maximum_age=80):%Y%m%d}"

    def number(self, entity: str) -> str:
        r = self.r
        if entity == "CN_RESIDENT_ID":
            return self.resident_id()[0]  # type: ignore[operator]
        if entity == "PASSPORT":
            x = r.random()
            if x < 0.6:
                return "E" + self.digits(8)
            if x < 0.8:
                return "E" + r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + self.digits(7)
            return r.choice("GP") + self.digits(8)
        if entity == "HK_MACAO_PERMIT":
            x = r.random()
            if x < 0.5:
                return "C" + self.digits(8)
            return r.choice("HM") + self.digits(r.choice((8, 10)))
        if entity == "TAIWAN_PERMIT":
            return r.choice(["", "", "L"]) + self.digits(8)
        if entity == "HMT_RESIDENCE_PERMIT":
            body = r.choice(["810000", "820000", "830000"]) + self.birth()
            body += self.digits(3)
            return body + check_digit(body)
        if entity == "FOREIGN_PERMANENT_RESIDENT_ID":
            if r.random() < 0.35:
                return r.choice(_COUNTRIES) + r.choice(_PROVINCES) + self.digits(10)
            body = "9" + r.choice(_PROVINCES) + r.choice(_NATIONS) + self.birth()
            body += self.digits(3)
            return body + check_digit(body)
        if r.random() < 0.6:
            return f"{r.choice(_BRANCHES)}字第{self.digits(r.choice((7, 8)))}号"
        return self.digits(r.choice((7, 8)))

    def document(self) -> tuple[str, str, str]:
        """(type cell, number cell, entity)."""
        entities = list(TYPES)
        entity = self.r.choices(entities, [TYPES[e][0] for e in entities])[0]
        kind = self.r.choice(TYPES[entity][1])
        number = self.number(entity)
        if entity == "PASSPORT" and self.r.random() < 0.1:
            number = number.lower()  # passports typed in any case
        return kind, number, entity
