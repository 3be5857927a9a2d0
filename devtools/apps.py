from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools: the demo organisation, national-scale data, the benchmark.

    Installed only when COSA_DEVTOOLS=true (``make run``, ``make test``, ``make bench``,
    ``make e2e``, ``make scale``). Production never has it, so its known-password demo
    accounts, its commands and the ``/floor/`` page do not exist there. It sits on top
    of the app order: it imports the product apps, and nothing in the product imports it
    (devtools/tests/test_layering.py).
    """

    name = "devtools"
    verbose_name = "Development tools"
