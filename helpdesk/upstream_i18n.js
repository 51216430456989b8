// Texts of Django 5.2's admin scripts that Django's German catalogue lacks (see upstream_i18n.py):
// listed here so that `makemessages -d djangojs` keeps them in locale/de/LC_MESSAGES/djangojs.po,
// which the admin's JavaScript catalog (/admin/jsi18n/) merges in from LOCALE_PATHS. No page loads
// this file.
gettext('Choose all %s');
gettext('Remove all %s');
gettext('Choose selected %s');
gettext('Remove selected %s');
gettext('Choose %s by selecting them and then select the "Choose" arrow button.');
gettext('Remove %s by selecting them and then select the "Remove" arrow button.');
gettext('(click to clear)');
