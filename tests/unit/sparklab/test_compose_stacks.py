"""The compose override writer: block maps, flow values, Compose's merge tags."""

from sparklab.compose_stacks import Stack, override, override_yaml, reset


def test_override_yaml_is_compose_with_merge_tags():
    doc = {"services": {"app": {"ports": override(["127.0.0.1:3001:3000"]), "volumes": reset([]),
                                "environment": {"OLLAMA_MODEL": "llama3.1:8b"}, "deploy": reset({})}}}
    assert override_yaml(doc) == (
        "services:\n"
        "  app:\n"
        '    ports: !override ["127.0.0.1:3001:3000"]\n'
        "    volumes: !reset []\n"
        "    environment:\n"
        '      OLLAMA_MODEL: "llama3.1:8b"\n'
        "    deploy: !reset {}\n")


def test_stack_compose_line_puts_the_override_last():
    stack = Stack("lab-x", "x", ("/opt/p/a.yml", "/opt/p/b.yml"))
    assert stack.compose("up") == ["/usr/bin/docker", "compose", "-p", "x", "-f", "/opt/p/a.yml", "-f", "/opt/p/b.yml",
                                   "-f", "/etc/spark-lab/stacks/lab-x/compose.override.yml", "up"]
