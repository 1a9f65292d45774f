"""FHIR R4 interop: reading files for import (and, later, export)."""
