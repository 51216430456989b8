"""The names admins enter that readers see in their own language (django-modeltranslation): each
gets a column per language (`name_en`, `name_de`), and `name` reads the active language's, falling
back to English. The admin shows one field per language."""

from modeltranslation.translator import TranslationOptions, register

from .models import Category, Tier


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Tier)
class TierTranslationOptions(TranslationOptions):
    fields = ("name",)
