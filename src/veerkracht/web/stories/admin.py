from django.contrib import admin

from veerkracht.web.stories.models import Intervention, Story


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("title", "level", "place_id", "kind", "observed_on")
    list_filter = ("level", "kind")


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ("title", "domain", "level", "place_id", "start", "end")
    list_filter = ("domain", "level")
