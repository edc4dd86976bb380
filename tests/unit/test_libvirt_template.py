"""Templates are read exactly as Snooze reads them, and any DTD is refused."""

from __future__ import annotations

import pytest
from terraform_provider_snooze.libvirt_template import TemplateError, parse_template


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE domain SYSTEM "file:///etc/passwd"><domain><name>a</name><vcpu>1</vcpu><memory>1</memory></domain>',
        "<!DOCTYPE domain [<!ELEMENT domain ANY>]><domain><name>a</name><vcpu>1</vcpu><memory>1</memory></domain>",
        '<!DOCTYPE domain PUBLIC "-//x//EN" "http://example.invalid/d.dtd"><domain/>',
    ],
)
def test_templates_with_any_dtd_are_refused(text: str) -> None:
    with pytest.raises(TemplateError, match=r"<!DOCTYPE> declaration"):
        parse_template(text)


def test_a_template_is_read_as_submitted() -> None:
    """An XML declaration after a newline is malformed for Snooze's parser as for ours."""
    with pytest.raises(TemplateError, match="not well-formed"):
        parse_template(
            '\n<?xml version="1.0"?><domain><name>a</name><vcpu>1</vcpu><memory>1</memory></domain>'
        )
    domain = parse_template("<domain><name> a </name><vcpu> 2 </vcpu><memory>1</memory></domain>\n")
    assert (domain.name, domain.vcpus) == (" a ", 2), "Snooze takes <name> verbatim, numbers trimmed"
