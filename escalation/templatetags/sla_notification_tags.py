from django import template

from ..presenters import describe_notification

register = template.Library()


@register.simple_tag
def notification_text(notification):
    return describe_notification(notification)
