from django.contrib import admin

from calendars.models import FeedToken


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_used_at", "include_venue")
    readonly_fields = ("user", "token_hash", "created_at", "last_used_at")
