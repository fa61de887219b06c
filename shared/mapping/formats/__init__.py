"""Source formats: field checks for OCSF JSON, OCSF entity builders, CEF and syslog parsers.

Everything here is pure (no I/O) and raises only `shared.core.errors.InvalidEvent`.
"""
