"""A text module's title and text in every language (django-modeltranslation, as tickets/translation.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Macro


@register(Macro)
class MacroTranslationOptions(TranslationOptions):
    fields = ("title", "body")
