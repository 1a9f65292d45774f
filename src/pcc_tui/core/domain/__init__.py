"""Domain: pydantic models, HL7 FHIR R4 codes and lifecycles. Pure Python, no I/O."""
