"""Texts of Django 5.2 itself that its German catalogues lack (new in 5.x, not yet translated
upstream), e.g. on the admin's user page ("Enabled", "Set password"). They are listed here so that
`makemessages` keeps them in our catalogue (locale/, LOCALE_PATHS), which Django reads before its
own: the admin then reads German throughout. The admin's JavaScript texts ("Choose all %s" of the
dual-list widget) are in upstream_i18n.js for the same reason. Drop an entry once Django's own
catalogue translates it (tests/test_i18n.py tells which are still needed)."""

from django.utils.translation import gettext_noop

UPSTREAM_TEXTS = [
    # django/contrib/admin
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("In case you’ve forgotten, you are:"),
    # django/contrib/auth
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Set password: %s"),
    gettext_noop("Reset password"),
    gettext_noop("Whether the user will be able to authenticate using a password or not. If disabled, they may still "
                 "be able to authenticate using other backends, such as Single Sign-On or LDAP."),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    # django/core (model forms)
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
]
