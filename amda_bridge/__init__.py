"""HAPI server, EPN-TAP service and AMDA clients."""
