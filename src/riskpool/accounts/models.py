"""A login belongs to one institution, in the role of that institution's kind (财政局, 资金管理人, 行业主管部门,
合作银行, 担保/保险机构). Passwords are Django's (hashed); the role decides what the user may do
(``riskpool.accounts.authorize``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from riskpool.registry.models import Institution


class Membership(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="members")

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.institution.code}"

    @property
    def role(self) -> str:
        return self.institution.kind
