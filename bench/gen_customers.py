"""Fast seeded generator of large synthetic customer tables for benchmarks.

Faker is too slow for a million rows, so this draws names from fixed lists and computes
valid check digits itself. Obviously fake: e-mails use example domains.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力飞鑫波宁"
)
AREAS = ["110105", "310115", "440106", "320102", "510104", "330106", "420106", "610113"]
PREFIXES = ["138", "139", "150", "151", "186", "187", "135", "136", "177", "199"]
HEADERS = [
    "客户编号",
    "姓名",
    "身份证号",
    "手机号",
    "邮箱",
    "地址",
    "订单号",
    "交易金额",
]
_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CITIES = [
    "北京市朝阳区建国路",
    "上海市浦东新区世纪大道",
    "广州市天河区天河路",
    "南京市玄武区中山路",
    "成都市武侯区人民南路",
    "杭州市西湖区文三路",
]


def _resident_id(rng: random.Random, serial: int) -> str:
    """Unique per serial: the birth date walks one day per 1,000 serials."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=serial // 1000)
    body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{serial % 1000:03d}"
    return (
        body
        + "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]
    )


def rows(count: int, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    for n in range(count):
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
        )
        yield [
            f"C{n:08d}",
            name,
            _resident_id(rng, n),
            f"{rng.choice(PREFIXES)}{n % 10**8:08d}",
            f"user{n}@example.com",
            f"{rng.choice(_CITIES)}{rng.randint(1, 999)}号",
            f"{rng.randint(10**17, 10**18 - 1)}",
            f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}",
        ]


def write(path: Path, count: int, seed: int = 1) -> Path:
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows(count, seed))
    tmp.rename(path)
    return path
