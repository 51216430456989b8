"""What customers read of a problem, in their own language (django-modeltranslation): the summary,
the workaround and the resolution each have a column per language; a broadcast reads the customer's."""

from modeltranslation.translator import TranslationOptions, register

from .models import Problem


@register(Problem)
class ProblemTranslationOptions(TranslationOptions):
    fields = ("summary", "workaround", "resolution")
