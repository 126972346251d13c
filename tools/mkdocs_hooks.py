"""mkdocs hooks (mkdocs.yml): docs/settings-reference.md, generated at build time.

The page is rendered from src/kitsu_publish/settings.schema.json by
tools/settings_reference.py and replaces the copy in docs/ (kept for GitHub readers,
and checked by tests/test_docs.py to be the same).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))
import settings_reference

PAGE = "settings-reference.md"


def on_files(files: Files, config: Any) -> Files:
    schema = json.loads(settings_reference.SCHEMA.read_text(encoding="utf-8"))
    old = files.get_file_from_path(PAGE)
    if old is not None:
        files.remove(old)
    files.append(File.generated(config, PAGE, content=settings_reference.render(schema)))
    return files
