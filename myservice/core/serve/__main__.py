"""`python -m <service>.core.serve [module:app_factory]`: what `make serve` and the image run."""

from .supervisor import main

main()
