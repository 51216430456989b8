from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

PUBLIC = models.Q(("audience", "public"), ("state", "published"))


def in_language(vector, language):
    return models.Case(models.When(language=language, then=models.F(vector)))


class Migration(migrations.Migration):
    # Built without locking the article table against writes; the new indexes exist before the
    # old ones go, so searches never run without one.
    atomic = False

    dependencies = [
        ("knowledgebase", "0005_title_words"),
    ]

    operations = [
        *(AddIndexConcurrently(model_name="article", index=GinIndex(in_language(vector, language), name=f"article_{kind}_{language}_idx"))
          for kind, vector in (("search", "search_vector"), ("title", "title_vector")) for language in ("de", "en")),
        *(AddIndexConcurrently(model_name="article", index=GinIndex(in_language(vector, language), condition=PUBLIC,
                                                                     name=f"article_public_{kind}_{language}_idx"))
          for kind, vector in (("search", "search_vector"), ("title", "title_vector")) for language in ("de", "en")),
        # The statistics of the new index expressions are what the planner needs them for; without
        # them it would guess until autovacuum next analyses the table.
        migrations.RunSQL("ANALYZE knowledgebase_article", migrations.RunSQL.noop),
        RemoveIndexConcurrently(model_name="article", name="article_search_idx"),
        RemoveIndexConcurrently(model_name="article", name="article_title_search_idx"),
        RemoveIndexConcurrently(model_name="article", name="article_public_search_idx"),
        RemoveIndexConcurrently(model_name="article", name="article_public_title_idx"),
    ]
