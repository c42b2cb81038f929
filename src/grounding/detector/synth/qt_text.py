"""Words for synthetic windows: labels, menu entries, list rows, titles.

Mostly the English vocabulary of desktop apps, with some other languages
(including CJK, which the Noto fonts render) so the detector does not learn
that a button is a known English word.
"""

from __future__ import annotations

import random

_UI_WORDS = """
    File Edit View Search Document Help Tools Options Settings Preferences Window
    Format Insert Project Build Run Debug Go Bookmarks History Calculator Image Layer
    Select Filters New Open Save Close Quit Print Export Import Undo Redo Cut Copy
    Paste Delete Find Replace Apply Cancel OK Yes No Retry Ignore Abort Continue Back
    Next Finish Done Add Remove Clear Reset Refresh Reload Upload Download Share Send
    Reply Forward Archive Move Rename Duplicate Properties Details Account Profile
    Network Display Sound Power Privacy Security Users Language Region Keyboard Mouse
    Printers Bluetooth Wi-Fi Updates Storage Backup Appearance Name Email Password
    Address City Country Phone Username Server Port Path Folder Title Author Subject
    Date Size Type Modified Created Tags Notes Description Comment Status Priority
    Category Color Font Theme Zoom Width Height Left Right Top Bottom Center Auto
    Enable Disable Show Hide Lock Unlock Connect Disconnect Start Stop Pause Play
    Record Mute Volume Brightness Contrast Sharpen Blur Rotate Flip Crop Resize Merge
    Split Sort Filter Group Align Bold Italic Underline Indent Outdent Wrap Spelling
    Statistics Documents Downloads Music Pictures Videos Desktop Home Trash Recent
    Starred Other Inbox Sent Drafts Spam Contacts Calendar Tasks Today Tomorrow Weekly
    Monthly Andrea Otto Orville Benjamin Charlemagne Alpaida Rotrude Begga Gunza Guérin
"""
_LOREM = """
    lorem ipsum dolor sit amet consectetur adipiscing elit nullam fringilla est ut
    feugiat ultrices elit lacus ultricies nibh id commodo tortor nisi class aptent
    taciti sociosqu ad litora torquent per conubia nostra inceptos himenaeos morbi vel
    erat maecenas dignissim dui et pharetra rutrum tellus lectus mi convallis libero
    quis nulla facilisi eleifend lobortis nisl in porttitor malesuada vitae aenean
    pellentesque molestie fringilla arcu
"""
UI_WORDS: tuple[str, ...] = tuple(_UI_WORDS.split())
LOREM: tuple[str, ...] = tuple(_LOREM.split())
# fmt: off
FOREIGN: tuple[str, ...] = (
    "Datei", "Bearbeiten", "Ansicht", "Hilfe", "Speichern", "Abbrechen",
    "Einstellungen", "Fichier", "Édition", "Affichage", "Enregistrer", "Annuler",
    "Préférences", "Ouvrir", "Archivo", "Editar", "Guardar", "Cancelar", "Ayuda",
    "Buscar", "Configuración", "ファイル", "編集", "表示", "保存", "キャンセル", "設定",
    "文件", "编辑", "视图", "保存", "取消", "帮助", "파일", "편집", "저장", "취소",
    "Файл", "Правка", "Сохранить",
)
SHORTCUTS: tuple[str, ...] = (
    "Ctrl+N", "Ctrl+O", "Ctrl+S", "Shift+Ctrl+S", "Ctrl+P", "Ctrl+W", "Ctrl+Q",
    "Ctrl+Z", "Shift+Ctrl+Z", "Ctrl+X", "Ctrl+C", "Ctrl+V", "Ctrl+F", "Ctrl+H",
    "Ctrl+A", "F1", "F5", "Ctrl+R", "Alt+Enter", "Ctrl+Plus", "Ctrl+Minus", "Ctrl+0",
    "Del", "F11",
)
# fmt: on


def word(rng: random.Random, foreign: float = 0.08) -> str:
    if rng.random() < foreign:
        return rng.choice(FOREIGN)
    return rng.choice(UI_WORDS)


def label(rng: random.Random, max_words: int = 2, foreign: float = 0.08) -> str:
    """A short UI label, "Save", "Save As…", "Network settings"."""
    n = rng.randint(1, max_words)
    words = [word(rng, foreign) for _ in range(n)]
    text = " ".join([words[0], *(w.lower() for w in words[1:])])
    if rng.random() < 0.08:
        text += "…"
    return text


def sentence(rng: random.Random, lo: int = 4, hi: int = 12) -> str:
    words = [rng.choice(LOREM) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", ":", ""))


def number(rng: random.Random) -> str:
    return rng.choice(
        (str(rng.randint(0, 100)), f"{rng.uniform(0, 1000):.1f}", f"{rng.randint(1, 31)}/"
         f"{rng.randint(1, 12)}/20{rng.randint(10, 25)}", f"{rng.randint(1, 999)} KB")
    )  # fmt: skip
