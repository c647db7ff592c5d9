"""A ZIP upload: exactly one sheet (CSV or XLSX) and the photos its rows name.

The whole ZIP is refused when a member's path climbs out (`../`), is absolute
or names a drive, when a member is a symbolic link, when the members claim to
unpack to more than MAX_ZIP_BYTES together, or when one is compressed more
than MAX_RATIO to 1 (a zip bomb). Claims are not trusted either: zipfile never
returns more bytes than a member declares (one holding more fails its CRC),
and what is read is counted as it is read.

Photos are matched by base name, ignoring case and folders, and read one at a
time when asked for, never all at once. File names that Windows wrote in GBK
(without the ZIP's UTF-8 flag) are decoded as such."""

import tempfile
import unicodedata
import zipfile
from pathlib import PurePosixPath

from .errors import ImportErrorCode, ImportFileError
from .parse import CHUNK, XLSX_SUFFIXES, file_kind, megabytes, parse_sheet
from .types import MAX_SHEET_BYTES, MAX_ZIP_BYTES, ParsedSheet

MAX_RATIO = 100  # uncompressed : compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
# An image member larger than this is returned cut to IMAGE_CAP + 1 bytes: the
# image stage sees it is too large without the whole of it in memory.
IMAGE_CAP = 30 * 1024 * 1024
SHEET_SUFFIXES = (".csv", ".tsv", *XLSX_SUFFIXES)
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


def parse_zip(fileobj, *, sheet: str | None = None) -> ParsedSheet:
    try:
        archive = zipfile.ZipFile(fileobj)
    except Exception:
        raise ImportFileError(ImportErrorCode.FILE_UNREADABLE, detail="zip") from None
    try:
        sheets, others = _inventory(archive)
        if not sheets:
            raise ImportFileError(ImportErrorCode.ZIP_NO_SHEET)
        if len(sheets) > 1:
            raise ImportFileError(
                ImportErrorCode.ZIP_SEVERAL_SHEETS,
                detail=", ".join(name for name, _ in sheets),
            )
        name, info = sheets[0]
        spooled = _extract(archive, info, name)
        kind = file_kind(name, spooled)
        if kind == "zip":
            raise ImportFileError(ImportErrorCode.FILE_UNREADABLE, detail=name)
        parsed = parse_sheet(kind, spooled, sheet=sheet)
    except BaseException:
        archive.close()
        raise
    parsed.image_bytes = ZipImages(archive, others)
    return parsed


class ZipImages:
    """image_bytes(name) for a ParsedSheet: the member named `name` (base name,
    any case), or None when the ZIP has none. A member that cannot be
    unpacked gives b"" (the image stage reports it as not an image)."""

    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]):
        self._archive = archive
        self._members = members

    def __call__(self, name: str) -> bytes | None:
        info = self._members.get(member_key(name))
        if info is None:
            return None
        try:
            with self._archive.open(info) as member:
                return member.read(IMAGE_CAP + 1)
        except Exception:
            return b""

    def names(self) -> list[str]:
        return sorted(self._members)


def member_key(name: str) -> str:
    base = str(name).strip().replace("\\", "/").rsplit("/", 1)[-1]
    return unicodedata.normalize("NFC", base).casefold()


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; without the UTF-8 flag zipfile reads it as CP437,
    which turns the GBK names Chinese Windows writes into mojibake."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def is_unsafe_path(name: str) -> bool:
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return True
    return ".." in path.split("/")


def is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return (mode & 0o170000) == 0o120000


def _is_junk(name: str) -> bool:
    """What macOS and Windows add to a ZIP (__MACOSX/, ._x, .DS_Store …)."""
    base = name.rsplit("/", 1)[-1]
    return (
        name.startswith("__MACOSX/")
        or base.startswith("._")
        or base.casefold() in _JUNK_NAMES
    )


def _inventory(
    archive: zipfile.ZipFile,
) -> tuple[list[tuple[str, zipfile.ZipInfo]], dict[str, zipfile.ZipInfo]]:
    sheets: list[tuple[str, zipfile.ZipInfo]] = []
    others: dict[str, zipfile.ZipInfo] = {}
    declared = 0
    for info in archive.infolist():
        name = member_name(info)
        if is_unsafe_path(name):
            raise ImportFileError(ImportErrorCode.ZIP_UNSAFE_PATH, detail=name)
        if is_symlink(info):
            raise ImportFileError(
                ImportErrorCode.ZIP_UNSAFE_PATH, detail=f"{name} (link)"
            )
        if info.is_dir() or _is_junk(name):
            continue
        declared += info.file_size
        if declared > MAX_ZIP_BYTES:
            raise ImportFileError(
                ImportErrorCode.ZIP_TOO_LARGE, detail=megabytes(MAX_ZIP_BYTES)
            )
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ImportFileError(ImportErrorCode.ZIP_TOO_LARGE, detail=name)
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise ImportFileError(
                ImportErrorCode.FILE_UNREADABLE, detail=f"{name} (encrypted)"
            )
        if PurePosixPath(name).suffix.lower() in SHEET_SUFFIXES:
            sheets.append((name, info))
        else:
            others.setdefault(member_key(name), info)
    return sheets, others


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str):
    """The sheet member in a temporary file (in memory while small), counting
    the bytes actually unpacked against MAX_SHEET_BYTES."""
    if info.file_size > MAX_SHEET_BYTES:
        raise ImportFileError(ImportErrorCode.FILE_TOO_LARGE, detail=name)
    out = tempfile.SpooledTemporaryFile(max_size=4 * CHUNK)
    unpacked = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_SHEET_BYTES:
                    raise ImportFileError(ImportErrorCode.FILE_TOO_LARGE, detail=name)
                out.write(chunk)
    except ImportFileError:
        out.close()
        raise
    except Exception:
        out.close()
        raise ImportFileError(ImportErrorCode.FILE_UNREADABLE, detail=name) from None
    if unpacked == 0:
        out.close()
        raise ImportFileError(ImportErrorCode.FILE_EMPTY, detail=name)
    out.seek(0)
    return out
