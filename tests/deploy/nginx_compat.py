"""The nginx configuration as Debian's nginx (1.22, the one this machine validates with) can load it.

infra/nginx/nginx.conf is written for the image's nginx 1.28, whose upstream servers take `resolve` (looked up
again through the resolver; open-source nginx has it since 1.27.3). 1.22 refuses that parameter and resolves
upstream names once, at start, through the system resolver. This copy differs in that one line only: the app's
upstream server becomes 127.0.0.1:8000 without `resolve`. Everything else is checked as written.

    python -m tests.deploy.nginx_compat SOURCE DESTINATION
"""

import sys
from pathlib import Path

UPSTREAM_SERVER = "server app:8000 resolve;"
LOOPBACK_SERVER = "server 127.0.0.1:8000;"


def compatible(text: str) -> str:
    if text.count(UPSTREAM_SERVER) != 1:
        msg = f"expected one {UPSTREAM_SERVER!r} in the nginx configuration"
        raise ValueError(msg)
    return text.replace(UPSTREAM_SERVER, LOOPBACK_SERVER)


def main(source: str, destination: str) -> int:
    Path(destination).write_text(compatible(Path(source).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
