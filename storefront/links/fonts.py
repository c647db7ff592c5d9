"""The CJK font the share poster draws with: Noto Sans CJK SC from the Debian
package fonts-noto-cjk, which .ci/run and the Dockerfile install. Never
whatever the machine happens to have, and never a silent fallback (Pillow's
default font draws Chinese as empty boxes): a missing font is a FontMissing
naming the package to install. CJK_FONT_DIR (environment) points elsewhere,
e.g. on a Mac with the same .ttc files."""

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
)
FILES = {False: "NotoSansCJK-Regular.ttc", True: "NotoSansCJK-Bold.ttc"}
FAMILY = "Noto Sans CJK SC"  # simplified Chinese glyph shapes


class FontMissing(RuntimeError):
    """The poster cannot be drawn without the CJK font."""


def font_path(bold: bool = False) -> Path:
    name = FILES[bold]
    dirs = [os.environ["CJK_FONT_DIR"]] if os.environ.get("CJK_FONT_DIR") else DIRS
    for folder in dirs:
        path = Path(folder) / name
        if path.is_file():
            return path
    raise FontMissing(
        f"缺少中文字体 {name}：请安装 Debian 软件包 fonts-noto-cjk "
        f"/ CJK font {name} missing: install the Debian package fonts-noto-cjk "
        f"(looked in {', '.join(dirs)}; CJK_FONT_DIR overrides)"
    )


@lru_cache(maxsize=4)
def _face_index(path: Path) -> int:
    """The collection's index of the SC face (the order differs by version)."""
    for index in range(16):
        try:
            face = ImageFont.truetype(str(path), 12, index=index)
        except OSError:
            break
        if face.getname()[0] == FAMILY:
            return index
    raise FontMissing(f"{path} has no {FAMILY} face / 字体文件缺少简体中文字形")


@lru_cache(maxsize=32)
def cjk_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = font_path(bold)
    return ImageFont.truetype(str(path), size, index=_face_index(path))
