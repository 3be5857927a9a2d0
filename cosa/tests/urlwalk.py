"""Every URL pattern of the project's URLconf, with its namespace and a sample path."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {"app_label": "circles", "content_type_id": "1", "object_id": "1"}


def _route(pattern):
    """The pattern as a sample path: converters and regex groups get sample values."""
    text = str(pattern.pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_VALUES.get(m.group(1), "1"), text)
    text = re.sub(
        r"\(\?P<(\w+)>([^)]*)\)",
        lambda m: SAMPLE_VALUES.get(m.group(1), m.group(2).split("|")[0]),
        text,
    )
    return text.replace("^", "").replace("$", "").replace("\\", "")


def all_url_patterns():
    """(name, sample path) for every pattern; unnamed ones are called ``<unnamed route>``."""
    found = []

    def walk(patterns, namespace, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                if namespace and entry.namespace:
                    inner = f"{namespace}:{entry.namespace}"
                walk(entry.url_patterns, inner, prefix + _route(entry))
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {entry.pattern}>"
                full = f"{namespace}:{name}" if namespace else name
                found.append((full, "/" + prefix + _route(entry)))

    walk(get_resolver().url_patterns, "", "")
    return found


def all_url_names():
    return [name for name, _ in all_url_patterns()]
