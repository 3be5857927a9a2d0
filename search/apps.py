from django.apps import AppConfig
from django.db.backends.signals import connection_created

# pg_trgm's default word-similarity threshold (0.6) misses a swapped pair of letters
# ("Lowhter" scores 0.375); 0.3, pg_trgm's own similarity default, keeps it, and the
# ranking in search/queries.py drops the noise.
WORD_SIMILARITY_THRESHOLD = "0.3"


def _set_trigram_threshold(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [WORD_SIMILARITY_THRESHOLD],
            )


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        connection_created.connect(_set_trigram_threshold, dispatch_uid="search_trigram_threshold")
