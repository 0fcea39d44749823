from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "veerkracht.web.stories"
    label = "stories"
    verbose_name = "Verhalen en interventies"
