"""A2A skills, one module each; the table below is every skill the engine can run.

The card metadata of each skill lives in `agent.json`; the server checks at start that the card
and this table name the same skills.
"""

from omniroute_agent.a2a.skill import Skill
from omniroute_agent.skills import smart_routing

SKILLS: dict[str, Skill] = {
    "smart-routing": Skill(smart_routing.run, smart_routing.check),
}
