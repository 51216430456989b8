from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Macro


@admin.register(Macro)
class MacroAdmin(TranslationAdmin):
    list_display = ["title", "scope", "tier", "owner", "updated_at"]
    list_filter = ["scope", "tier"]
    search_fields = ["title_de", "title_en", "body_de", "body_en"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
