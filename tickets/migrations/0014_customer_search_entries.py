"""The customer search's own table (tickets.models.CustomerSearchEntry), kept by PostgreSQL: a row per
person with name, e-mail address, phone number and organisation name in one upper-case text, the
first letters of its words, the phone number's digits and whether they are a customer; refreshed by
triggers whenever a person, their profile, their organisation or their tiers change (also by COPY or
by hand in psql), and filled here for the people there are.

Why: the search looked each word up in the index of one table and checked the other words across the
joins row by row; a multi-word search ("Meier Maschinenbau AG", "Ida Feld") was planned as a walk over
every customer joined to profile and organisation (150-450 ms at 100,000 customers, bench/customer_search.py).
In one text all words meet in one trigram index; a word of one or two letters is an exact lookup of
word starts (a trigram index knows nothing shorter than three letters and rechecks tens of thousands
of rows for "de"); the matches are sorted by name in the same table, no join per row, no UPPER() per
row. There is deliberately no index in name order: walking it for a word that only looks common reads
every customer.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



SQL = """
CREATE OR REPLACE FUNCTION tickets_customer_search_refresh(user_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM tickets_customersearchentry e
     WHERE e.user_id = ANY (user_ids) AND NOT EXISTS (SELECT 1 FROM auth_user u WHERE u.id = e.user_id);
    -- is_customer: tickets.selectors.customers(), to the letter (a test compares the two).
    INSERT INTO tickets_customersearchentry (user_id, last_name, first_name, text, word_starts, phone_digits,
                                             is_customer)
    SELECT e.id, e.last_name, e.first_name, e.text,
           ARRAY(SELECT DISTINCT left(word, n) FROM regexp_split_to_table(e.text, '[ -]+') AS word,
                                                    (VALUES (1), (2)) AS lengths (n)
                  WHERE word <> ''),
           e.phone_digits, e.is_customer
      FROM (SELECT u.id, u.last_name, u.first_name,
                   upper(' ' || u.first_name || ' ' || u.last_name || ' ' || u.email || ' ' || coalesce(p.phone, '')
                         || ' ' || coalesce(o.name, '')) AS text,
                   regexp_replace(coalesce(p.phone, ''), '[^0-9]', '', 'g') AS phone_digits,
                   u.is_active AND NOT u.is_superuser
                       AND NOT EXISTS (SELECT 1 FROM tickets_tiermembership m WHERE m.agent_id = u.id) AS is_customer
              FROM auth_user u
              LEFT JOIN tickets_profile p ON p.user_id = u.id
              LEFT JOIN tickets_organisation o ON o.id = p.organisation_id
             WHERE u.id = ANY (user_ids)) AS e
    ON CONFLICT (user_id) DO UPDATE
       SET last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name, text = EXCLUDED.text,
           word_starts = EXCLUDED.word_starts, phone_digits = EXCLUDED.phone_digits,
           is_customer = EXCLUDED.is_customer;
$$;

CREATE OR REPLACE FUNCTION tickets_customer_search_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_customersearchentry;
    PERFORM tickets_customer_search_refresh(ARRAY(SELECT id FROM auth_user)::bigint[]);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_customer_search_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM tickets_customersearchentry WHERE user_id = OLD.id;
    ELSE
        PERFORM tickets_customer_search_refresh(ARRAY[NEW.id]::bigint[]);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_customer_search_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tickets_customer_search_refresh(ARRAY[NEW.user_id]::bigint[]);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM tickets_customer_search_refresh(ARRAY[OLD.user_id, NEW.user_id]::bigint[]);
    ELSE
        PERFORM tickets_customer_search_refresh(ARRAY[OLD.user_id]::bigint[]);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_customer_search_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tickets_customer_search_refresh(ARRAY[NEW.agent_id]::bigint[]);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM tickets_customer_search_refresh(ARRAY[OLD.agent_id, NEW.agent_id]::bigint[]);
    ELSE
        PERFORM tickets_customer_search_refresh(ARRAY[OLD.agent_id]::bigint[]);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_customer_search_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickets_customer_search_refresh(
        ARRAY(SELECT user_id FROM tickets_profile WHERE organisation_id = NEW.id)::bigint[]);
    RETURN NULL;
END $$;

CREATE TRIGGER customer_search_user_insert AFTER INSERT ON auth_user
    FOR EACH ROW EXECUTE FUNCTION tickets_customer_search_user();
CREATE TRIGGER customer_search_user_update AFTER UPDATE ON auth_user FOR EACH ROW
    WHEN (OLD.first_name IS DISTINCT FROM NEW.first_name OR OLD.last_name IS DISTINCT FROM NEW.last_name
          OR OLD.email IS DISTINCT FROM NEW.email OR OLD.is_active IS DISTINCT FROM NEW.is_active
          OR OLD.is_superuser IS DISTINCT FROM NEW.is_superuser)
    EXECUTE FUNCTION tickets_customer_search_user();
CREATE TRIGGER customer_search_user_delete AFTER DELETE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION tickets_customer_search_user();
CREATE TRIGGER customer_search_profile_insert AFTER INSERT OR DELETE ON tickets_profile
    FOR EACH ROW EXECUTE FUNCTION tickets_customer_search_profile();
CREATE TRIGGER customer_search_profile_update AFTER UPDATE ON tickets_profile FOR EACH ROW
    WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id
          OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION tickets_customer_search_profile();
CREATE TRIGGER customer_search_organisation_update AFTER UPDATE ON tickets_organisation FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION tickets_customer_search_organisation();
CREATE TRIGGER customer_search_membership AFTER INSERT OR UPDATE OR DELETE ON tickets_tiermembership
    FOR EACH ROW EXECUTE FUNCTION tickets_customer_search_membership();
CREATE TRIGGER customer_search_membership_truncate AFTER TRUNCATE ON tickets_tiermembership
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_customer_search_rebuild();
CREATE TRIGGER customer_search_user_truncate AFTER TRUNCATE ON auth_user
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_customer_search_rebuild();
CREATE TRIGGER customer_search_profile_truncate AFTER TRUNCATE ON tickets_profile
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_customer_search_rebuild();

SELECT tickets_customer_search_refresh(ARRAY(SELECT id FROM auth_user)::bigint[]);
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS customer_search_user_insert ON auth_user;
DROP TRIGGER IF EXISTS customer_search_user_update ON auth_user;
DROP TRIGGER IF EXISTS customer_search_user_delete ON auth_user;
DROP TRIGGER IF EXISTS customer_search_user_truncate ON auth_user;
DROP TRIGGER IF EXISTS customer_search_profile_insert ON tickets_profile;
DROP TRIGGER IF EXISTS customer_search_profile_update ON tickets_profile;
DROP TRIGGER IF EXISTS customer_search_profile_truncate ON tickets_profile;
DROP TRIGGER IF EXISTS customer_search_organisation_update ON tickets_organisation;
DROP TRIGGER IF EXISTS customer_search_membership ON tickets_tiermembership;
DROP TRIGGER IF EXISTS customer_search_membership_truncate ON tickets_tiermembership;
DROP FUNCTION IF EXISTS tickets_customer_search_membership();
DROP FUNCTION IF EXISTS tickets_customer_search_organisation();
DROP FUNCTION IF EXISTS tickets_customer_search_profile();
DROP FUNCTION IF EXISTS tickets_customer_search_user();
DROP FUNCTION IF EXISTS tickets_customer_search_rebuild();
DROP FUNCTION IF EXISTS tickets_customer_search_refresh(bigint[]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('tickets', '0013_translated_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerSearchEntry',
            fields=[
                ('user', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('last_name', models.CharField(max_length=150)),
                ('first_name', models.CharField(max_length=150)),
                ('text', models.TextField()),
                ('word_starts', django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ('phone_digits', models.TextField()),
                ('is_customer', models.BooleanField()),
            ],
            options={
                'indexes': [django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass('text', name='gin_trgm_ops'), condition=models.Q(('is_customer', True)), name='customer_search_text_trgm'), django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass('phone_digits', name='gin_trgm_ops'), condition=models.Q(('is_customer', True)), name='customer_search_digits_trgm'), django.contrib.postgres.indexes.GinIndex(condition=models.Q(('is_customer', True)), fields=['word_starts'], name='customer_search_starts_idx')],
            },
        ),
        migrations.RunSQL(SQL, REVERSE_SQL),
    ]
