"""Words for the synthetic pages: button captions, field labels, menus, filler text."""

from __future__ import annotations

import random

ACTIONS = (
    "OK", "Cancel", "Apply", "Save", "Open", "Close", "Delete", "Add", "Remove", "Edit", "Copy",
    "Paste", "Undo", "Redo", "Search", "Find", "Replace", "Print", "Export", "Import", "Refresh",
    "Settings", "Help", "Next", "Back", "Finish", "Submit", "Sign in", "Log out", "Upload",
    "Download", "Share", "New", "Browse…", "Reset", "Connect", "Send", "Continue", "Yes", "No",
    "Retry", "Install", "Update", "Clear", "Select", "Choose File", "Preview", "Run", "Stop",
    "Save As…", "Discard", "Create", "Rename", "Move", "Details", "Learn more", "Get started",
    "Subscribe", "Buy now", "Register", "Confirm", "Skip", "Insert", "Close Tab", "Inform", "Act",
    "Configure", "Lock", "Record", "Don't Save", "Abbrechen", "Speichern", "Annuler", "Aceptar",
    "保存", "取消", "開く",
)  # fmt: skip
FIELDS = (
    "Name", "Email", "Password", "Username", "Address", "City", "Country", "Phone", "Font",
    "Size", "Color", "Language", "Theme", "Encoding", "Tab width", "Folder", "Title", "Author",
    "Description", "Server", "Port", "Proxy", "Timeout", "Width", "Height", "Zoom", "Quality",
    "First name", "Last name", "Company", "Website", "Search", "Filter", "Tags", "Comment",
    "Location", "Format", "Device", "Profile", "Interval", "Precision", "Base", "Angle",
)  # fmt: skip
OPTIONS = (
    "Show line numbers", "Word wrap", "Auto save", "Enable notifications", "Remember me",
    "Dark mode", "Use system font", "Highlight current line", "Match case", "Whole words",
    "Show hidden files", "Start at login", "Check spelling", "Play sounds", "Send usage data",
    "Open in new window", "Show toolbar", "Show statusbar", "Wrap around", "Regular expression",
    "Insert spaces", "Auto indent", "Show grid", "Snap to grid", "Confirm on exit", "Wi-Fi",
    "Bluetooth", "Airplane mode", "Night light", "Do not disturb", "Automatic updates",
)  # fmt: skip
MENUS = {
    "File": ("New", "New Window", "Open…", "Open Recent", "Save", "Save As…", "Save All",
             "Reload", "Print…", "Close Tab", "Close Window", "Quit"),
    "Edit": ("Undo", "Redo", "Cut", "Copy", "Paste", "Delete", "Select All", "Preferences"),
    "View": ("Zoom In", "Zoom Out", "Reset Zoom", "Fullscreen", "Toolbar", "Statusbar",
             "Side Panel"),
    "Search": ("Find…", "Find Next", "Find Previous", "Find and Replace…", "Go to Line…"),
    "Document": ("Line Ending", "Tab Size", "Word Wrap", "Filetype", "Encoding"),
    "Tools": ("Spell Check", "Word Count", "Plugins", "Options…"),
    "Calculator": ("Basic Mode", "Scientific Mode", "Paper Mode", "Decimal", "Hexadecimal"),
    "Go": ("Back", "Forward", "Up", "Home", "Location…"),
    "Help": ("Contents", "Keyboard Shortcuts", "Report a Bug", "About"),
    "Image": ("Rotate", "Flip", "Crop", "Resize…", "Canvas Size…"),
    "Window": ("Minimize", "Zoom", "Bring All to Front"),
}  # fmt: skip
ACCELS = ("Ctrl+N", "Ctrl+O", "Ctrl+S", "Shift+Ctrl+S", "Ctrl+P", "Ctrl+W", "Ctrl+Q", "Ctrl+Z",
          "Ctrl+Y", "Ctrl+X", "Ctrl+C", "Ctrl+V", "Ctrl+A", "Ctrl+F", "F11", "Ctrl++", "F1",
          "Ctrl+H", "Ctrl+G", "Alt+Left")  # fmt: skip
NOUNS = (
    "Documents", "Downloads", "Music", "Pictures", "Videos", "Desktop", "Home", "Trash",
    "Network", "Projects", "Recent", "Starred", "Inbox", "Drafts", "Sent", "Archive", "General",
    "Appearance", "Display", "Sound", "Power", "Keyboard", "Mouse", "Privacy", "Accounts",
    "Users", "Printers", "Sharing", "About", "Overview", "Reports", "Invoices", "Customers",
    "Orders", "Products", "Dashboard", "Calendar", "Contacts", "Notes", "Tasks", "Files",
    "Identity", "Birthdate", "Pages", "Layers", "History", "Bookmarks", "Extensions",
)  # fmt: skip
_LOREM_TEXT = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua nullam fringilla est feugiat ultrices lacus nibh commodo "
    "tortor nisi class aptent taciti sociosqu ad litora torquent per conubia nostra inceptos "
    "morbi vel erat maecenas dignissim dui pharetra rutrum tellus lectus mi convallis libero "
    "quis facilisi eleifend lobortis malesuada vitae the quick brown fox jumps over lazy dog "
    "your files are saved automatically when you close this window changes apply after restart"
)
LOREM = tuple(_LOREM_TEXT.split())
NAMES = ("Andrea", "Otto", "Orville", "Benjamin", "Charlemagne", "Pepin", "Alpaida", "Maria",
         "Chen Wei", "Yuki", "Olivia", "Noah", "Fatima", "Lukas", "Sofia", "Mateo")  # fmt: skip
CALC_KEYS = ("7", "8", "9", "/", "4", "5", "6", "*", "1", "2", "3", "-", "0", ".", "=", "+",
             "C", "AC", "(", ")", "%", "sqrt", "x²", "±", "MS", "MR", "M+", "sin", "cos", "tan",
             "ln", "log", "π", "e", "<-", "xʸ", "1/x", "n!", "EE", "mod")  # fmt: skip


def sentence(rng: random.Random, lo: int = 4, hi: int = 12) -> str:
    words = [rng.choice(LOREM) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize()


def title(rng: random.Random, lo: int = 1, hi: int = 3) -> str:
    return " ".join(rng.choice(LOREM) for _ in range(rng.randint(lo, hi))).title()


def number(rng: random.Random) -> str:
    return rng.choice((str(rng.randint(0, 999)), f"{rng.uniform(0, 100):.1f}",
                       f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.20{rng.randint(10, 30)}",
                       f"${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"))  # fmt: skip
