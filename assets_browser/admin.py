from django.contrib import admin

from .models import Board, EditorProfile, Pick


class PickInline(admin.TabularInline):
    model = Pick
    extra = 0
    fields = ("position", "asset_id", "asset_type", "name", "note")
    readonly_fields = ("asset_id", "asset_type", "name")
    ordering = ("position", "pk")


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "updated")
    list_filter = ("owner",)
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    inlines = [PickInline]


@admin.register(Pick)
class PickAdmin(admin.ModelAdmin):
    list_display = ("name", "asset_type", "board", "position", "created")
    list_filter = ("asset_type",)
    search_fields = ("name", "asset_id", "board__name")
    list_select_related = ("board",)
    raw_id_fields = ("board",)


@admin.register(EditorProfile)
class EditorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "current_board")
    list_select_related = ("user", "current_board")
    raw_id_fields = ("user", "current_board")
