"""Lab mirror content for the simulated lab: signed apt repos, keys, files, images.

LAB FIXTURES ONLY: vendor artifacts the simulated lab cannot download, replaced by stand-ins built from
``simlab/standins/`` and the tables in ``catalog``. Layout, apt source lines and images: simlab/README.md
("The lab mirror"). Stdlib only; shells out to dpkg-deb, gpg/gpgconf, apt-get, tar, chroot.

Entry points: ``served_tree.build(dest)`` (the file server's ``keys/``, ``apt/``, ``files/``) and
``registry_push.push_images(registry)``; command line ``python3 -m simlab.mirror build DEST`` /
``push HOST:PORT``.
"""
