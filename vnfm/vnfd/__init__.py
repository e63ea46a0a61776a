"""VNF descriptors: a documented subset of TOSCA SOL001 (README.md), and the samples.

``parse_vnfd`` reads one descriptor, ``Catalog`` holds the known ones by vnfdId,
``rules`` answers instance-count and scale questions about a flavour.
"""

from vnfm.vnfd.catalog import Catalog
from vnfm.vnfd.errors import VnfdError
from vnfm.vnfd.parser import parse_vnfd

__all__ = ["Catalog", "VnfdError", "parse_vnfd"]
