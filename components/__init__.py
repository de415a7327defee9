"""Components and pure builders of the RBAC cost-center environment."""
