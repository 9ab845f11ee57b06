"""Reading admin pages the way a browser would, for the admin tests."""

import html
import re
from html.parser import HTMLParser


class ChangeFormParser(HTMLParser):
    """Collects what a browser would submit from the admin's change form (id ending in _form)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.fields = []
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return  # A disabled field is not submitted.
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file", "image", "reset"}:
                value = attrs.get("value", "on" if kind in {"checkbox", "radio"} else "")
                self.fields.append((attrs["name"], value))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            # Browsers drop the one newline that follows <textarea>.
            self.fields.append((name, value[1:] if value.startswith("\n") else value))
            self.textarea = None


def form_data(response):
    """Every field the admin form on the page would post, read from its HTML as a browser would."""
    parser = ChangeFormParser()
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    data.pop("csrfmiddlewaretoken", None)
    return data


def page_text(response):
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())
