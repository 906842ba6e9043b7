"""Level 3 — RAG and agents: txt2kg, the multi-agent chatbot and agentic RAG, each an on-demand lab built from
NVIDIA's playbooks at a pinned commit (python -m sparklab.labs starts one). Includes level 2."""

from pyinfra import local

from roles.agentic_rag import agentic_rag
from roles.compose import compose
from roles.multi_agent_chatbot import multi_agent_chatbot
from roles.playbooks_source import playbooks_source
from roles.txt2kg import txt2kg

local.include("deploys/level2.py")
compose()
playbooks_source()
txt2kg()
multi_agent_chatbot()
agentic_rag()
