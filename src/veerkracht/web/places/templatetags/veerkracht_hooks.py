"""``{% place_hook "stories/place_panel.html" %}``: render another app's panel.

The profile page leaves room for the signals and stories apps: when they
provide the named template it is rendered with the page's context (``place``
holds ``level``, ``place_id``, ``name``); when they do not, nothing is shown.
"""

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def place_hook(context, name: str):
    try:
        tmpl = get_template(name)
    except TemplateDoesNotExist:
        return ""
    return tmpl.render(context.flatten(), context.get("request"))
