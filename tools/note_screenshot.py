"""The screenshot of docs/notes.md: a note with all it carries, as Kitsu's web app shows it.

The note's text is the example of docs/notes.md (its posted markdown block) ending with
a department mention, rendered by tools/kitsu_render (Kitsu's own libraries and
rules, as the parity test renders it); under it, as Kitsu lists them, the checklist,
the links and the attached files of docs/notes.md's sections. The page is
photographed by headless Chromium (Debian's ``chromium``):

    python tools/note_screenshot.py [--html note.html] [-o docs/img/note-example.png]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from note_render import kitsu_web_installed  # noqa: E402

CHECKLIST = [("Frame range checked", False), ("Audio synced", True), ("Cache exported", False)]
LINKS = ["https://farm.example.com/job/4242"]
FILES = ["qc_report.pdf", "publish-report.txt"]
STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; background: #f5f5f5; margin: 0; }
.comment { background: #fff; width: 600px; margin: 16px; padding: 12px 16px;
  border-left: 4px solid #ab26ff; box-shadow: 0 1px 3px rgba(0,0,0,.2); font-size: 14px; }
.head { color: #666; font-size: 12px; margin-bottom: 6px; }
.status { background: #ab26ff; color: #fff; border-radius: 4px; padding: 1px 6px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; }
.checklist div { margin: 2px 0; } .links a { color: #0a66c2; }
.files span { display: inline-block; background: #eee; padding: 2px 8px; margin: 2px;
  border-radius: 4px; font-size: 12px; }
"""


def note_text() -> str:
    """The posted text of docs/notes.md's example, with a department mention."""
    page = (ROOT / "docs" / "notes.md").read_text(encoding="utf-8")
    example = page.split("## Example", 1)[1].split("\n## ", 1)[0]
    posted = re.search(r"```markdown\n(.*?)```", example, re.S)
    assert posted is not None, "docs/notes.md has no posted example"
    return posted.group(1).rstrip("\n") + "\n\n@Lighting"


def page(body: str) -> str:
    checks = "".join(
        f"<div>{'&#9745;' if done else '&#9744;'} {html.escape(text)}</div>"
        for text, done in CHECKLIST
    )
    links = "".join(f'<div><a href="{html.escape(u)}">{html.escape(u)}</a></div>' for u in LINKS)
    files = "".join(f"<span>{html.escape(name)}</span>" for name in FILES)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head>"
        "<body><div class='comment'><div class='head'>Jane Doe &middot; "
        "<span class='status'>WFA</span></div>"
        f"<div class='text'>{body}</div><div class='checklist'>{checks}</div>"
        f"<div class='links'>{links}</div><div class='files'>{files}</div></div></body></html>"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "img" / "note-example.png"))
    parser.add_argument("--html", help="also write the page here")
    args = parser.parse_args()
    department = {"id": "d1", "name": "Lighting", "color": "#e0a000"}
    (body,) = kitsu_web_installed().render(
        [{"text": note_text(), "department_mentions": [department]}]
    )
    document = page(body)
    if args.html:
        Path(args.html).write_text(document, encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "note.html"
        source.write_text(document, encoding="utf-8")
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={folder}/profile",
                "--window-size=680,400",
                f"--screenshot={args.output}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
