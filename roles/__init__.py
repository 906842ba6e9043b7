"""One pyinfra ``@deploy`` per component; each module declares its knobs in ``DEFAULTS``."""
