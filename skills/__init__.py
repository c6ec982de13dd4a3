"""A2A skills, one module each; the table below is every skill the engine can run.

The card metadata of each skill lives in `agent.json`; the server checks at start that the card
and this table name the same skills. `report` holds what the reporting skills share.
"""

from omniroute_agent.a2a.skill import Skill
from omniroute_agent.skills import cost_analysis, health_report, provider_discovery, quota_management, smart_routing

SKILLS: dict[str, Skill] = {
    "smart-routing": Skill(smart_routing.run, smart_routing.check),
    "quota-management": Skill(quota_management.run, quota_management.check),
    "provider-discovery": Skill(provider_discovery.run, provider_discovery.check),
    "cost-analysis": Skill(cost_analysis.run, cost_analysis.check),
    "health-report": Skill(health_report.run, health_report.check),
}
