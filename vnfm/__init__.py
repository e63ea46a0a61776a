"""vnfm: an ETSI NFV SOL003/SOL002 VNF Manager with a Cisco ESC southbound."""

import warnings

# Connexion imports Starlette's test client at import time, which warns about httpx on
# every `vnfm` command; the warning concerns test tooling the product does not use.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
