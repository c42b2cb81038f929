#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages desktop-agent needs: a virtual X server
# and window manager, OCR, Qt runtime libraries, AT-SPI and the real apps the
# demo and the display tests drive. Idempotent: packages already present are
# not fetched again.
set -euo pipefail

PACKAGES=(
  # virtual display, window manager, X tools
  xvfb openbox xdotool x11-utils x11-xserver-utils xclip dbus-x11
  # pyautogui.screenshot on X11 (the capture benchmark compares against it)
  scrot
  # OCR
  tesseract-ocr tesseract-ocr-eng
  # real apps driven by the demo, the tests and the grounding benchmark
  mousepad gtk-3-examples galculator
  # themes for the grounding benchmark (HighContrast and its inverse)
  gnome-themes-extra
  # more GTK themes and zenity dialogs: real-app training images for the detector (bench.gtk_train_set)
  zenity arc-theme numix-gtk-theme materia-gtk-theme greybird-gtk-theme
  # more real GTK 3 apps for those training images (none of them is in a bench)
  yad pluma mate-calc geany atril engrampa thunar ristretto xfce4-taskmanager gucharmap
  xfce4-settings transmission-gtk xarchiver meld catfish
  gedit gnumeric glade gnome-system-monitor file-roller simple-scan
  xfce4-screenshooter gtkhash gnome-nettool abiword xournalpp homebank mate-utils
  mate-system-monitor exfalso remmina xfce4-dict transmission-remote-gtk eog gcolor3 bluefish
  claws-mail mate-control-center font-manager
  # PyGObject for the system Python: our random GTK widget windows (bench/gtk_scene_app.py)
  python3-gi gir1.2-gtk-3.0
  # fonts: Latin and CJK, so typed CJK text renders and OCR sees it
  fonts-dejavu-core fonts-noto-cjk
  # more fonts for the detector's synthetic web pages (the "Sans" default stays DejaVu)
  fonts-cantarell fonts-liberation2 fonts-open-sans
  # headless browser for the detector's synthetic web pages (driven over --remote-debugging-pipe)
  chromium
  # freedesktop icon themes: real toolbar icons for the detector's synthetic data
  tango-icon-theme breeze-icon-theme papirus-icon-theme elementary-xfce-icon-theme
  # more icon themes, Adwaita named: the icon recognizer's training data and its tests
  adwaita-icon-theme gnome-icon-theme mate-icon-theme oxygen-icon-theme numix-icon-theme
  suru-icon-theme yaru-theme-icon
  # Qt 6 runtime libraries for PySide6 (xcb platform plugin)
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libdbus-1-3 libfontconfig1
  # accessibility (AT-SPI)
  at-spi2-core
  # Python venv support
  python3-venv
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all ${#PACKAGES[@]} present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "error: installing ${missing[*]} needs root; run as root or install sudo" >&2
    exit 1
  fi
fi

echo "system packages: installing ${#missing[@]} (${missing[*]})"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: done"
