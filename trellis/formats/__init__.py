"""Date and time formats, per language, where Django's own do not suit Trellis
(settings.FORMAT_MODULE_PATH). A language without a module here keeps Django's."""
