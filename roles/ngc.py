"""NGC: `docker login nvcr.io` for root and the lab user with the key from the secret reference,
only when not logged in or the key changed; images from data pulled only when missing."""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import server

from roles.users import home
from sparklab import host_secrets
from sparklab.facts import DockerLogins
from sparklab.operations import image_pulled

DEFAULTS = {
    "ngc_registry": "nvcr.io",
    # Images pulled ahead of the lab (only when missing), e.g. the pinned NGC PyTorch image.
    "ngc_pull_images": [],
}


def _login(registry: str, user: str, config: str, key_file: str, key_changed) -> None:
    logged_in = registry in host.get_fact(DockerLogins, path=config)
    server.shell(
        name=f"NGC login for {user}",
        commands=[StringCommand(
            "sudo -u", QuoteString(user), "-H docker login", QuoteString(registry),
            "--username '$oauthtoken' --password-stdin <", QuoteString(key_file),
        )],
        _if=lambda: key_changed.did_change() or not logged_in,
    )


@deploy("NGC", data_defaults=DEFAULTS)
def ngc():
    data = host.data
    key = host_secrets.read("ngc_api_key", "NGC login")
    if key is not None:
        key_op = host_secrets.put("ngc_api_key", key)
        key_file = f"{host_secrets.SECRETS_DIR}/ngc_api_key"
        _login(data.ngc_registry, "root", "/root/.docker/config.json", key_file, key_op)
        _login(data.ngc_registry, data.lab_user, f"{home()}/.docker/config.json", key_file, key_op)
    for image in data.ngc_pull_images:
        image_pulled(name=f"Image {image}", image=image)
