"""French and English for the user interface, switchable while the application runs.

Source strings are English and every user-visible string goes through `self.tr("...")`, so that
`python tools/i18n.py update` can extract it into `resources/translations/visio_desktop_fr.ts`;
`python tools/i18n.py build` compiles the `.qm` file loaded here.

`install_translator(app, language)` replaces whatever translators it installed before, then
delivers Qt's `QEvent.LanguageChange` to every widget before returning. Hence the convention every
widget follows: set its texts in one `retranslate()` method, call it once from `__init__`, and
call it again from `changeEvent`::

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

Texts set from data (a participant's name, a device name) are not translated; texts built with
`self.tr` are re-set by `retranslate()`, never cached as translated strings.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from visio_desktop.core.resources import resource

__all__ = ["QM_NAME", "effective_language", "install_translator"]

log = logging.getLogger(__name__)

QM_NAME = "visio_desktop_fr.qm"
_TRANSLATOR_NAME = "visio-desktop-translator"


def effective_language(setting: str, locale: QLocale | None = None) -> str:
    """The UI language for a `Settings.language` value: "fr" or "en".

    "" follows `locale` (the system's by default, through its preferred UI languages); any value
    starting with "fr" means French and anything else English, the language of the sources.
    """
    if not setting:
        locale = QLocale.system() if locale is None else locale
        preferred = locale.uiLanguages() or [locale.name()]
        setting = preferred[0]
    return "fr" if setting.lower().startswith("fr") else "en"


def install_translator(app: QCoreApplication, language: str) -> str:
    """Translate the application into `language` ("", "en" or "fr"); return "en" or "fr".

    Removes the translators a previous call installed, so switching at run time works. A missing
    or unreadable `.qm` file is logged and leaves the application in English; it never raises.
    When this returns, every widget has received `QEvent.LanguageChange`.
    """
    _remove_installed(app)
    wanted = effective_language(language)
    if wanted == "fr" and not _install_french(app):
        wanted = "en"
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    return wanted


def _install_french(app: QCoreApplication) -> bool:
    path = resource("translations", QM_NAME)
    ours = QTranslator(app)
    ours.setObjectName(_TRANSLATOR_NAME)
    if not ours.load(str(path)):
        log.warning("French translation %s is missing or unreadable; staying in English", path)
        ours.setParent(None)
        return False
    qt_own = QTranslator(app)  # Qt's standard texts: OK/Cancel, context menus...
    qt_own.setObjectName(_TRANSLATOR_NAME)
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load("qtbase_fr", qt_folder):
        app.installTranslator(qt_own)
    else:
        log.info("Qt's own French translations are not in %s", qt_folder)
        qt_own.setParent(None)
    app.installTranslator(ours)  # installed last, so searched first
    return True


def _remove_installed(app: QCoreApplication) -> None:
    for translator in app.findChildren(QTranslator, _TRANSLATOR_NAME):
        app.removeTranslator(translator)
        translator.setParent(None)  # Python now owns it and frees it
