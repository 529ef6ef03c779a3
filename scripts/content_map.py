"""Print, for each CONTENT_MAP id, the content items that cover it (Markdown table).

Used to keep docs/content.md true: `python scripts/content_map.py`.
"""

from __future__ import annotations

from typing import Any

from bot.content import content_map_ids, load_library


def paths_covering(node: Any, target: str, prefix: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if target in (node.get("covers") or []):
            found.append(prefix)
        for key, value in node.items():
            if key != "covers":
                found += paths_covering(value, target, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths_covering(value, target, f"{prefix}[{i}]")
    return found


def main() -> None:
    pack = load_library().pack("en")
    print("| id | covered by (en and vi alike) |")
    print("|---|---|")
    for cid in content_map_ids():
        paths = paths_covering(pack.raw, cid)
        shown = ", ".join(f"`{p}`" for p in paths[:6])
        if len(paths) > 6:
            shown += f" and {len(paths) - 6} more"
        print(f"| {cid} | {shown} |")


if __name__ == "__main__":
    main()
