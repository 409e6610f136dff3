"""Masking for every display that does not need the full value (RULES §6)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明: first and (for 3+) last character kept."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:  # noqa: PLR2004
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """4201**********123X: the first four (province and prefecture) and last four remain."""
    if len(number) != 18:  # noqa: PLR2004
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; other lengths keep at most the first 3 and last 2."""
    digits = phone.strip()
    if len(digits) == 11:  # noqa: PLR2004
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 5:  # noqa: PLR2004
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]
