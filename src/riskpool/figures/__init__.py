"""Figures (指标), defined once: running totals kept in step with every change, and the lender and fund
figures at any date that the rules' facts, the sanctions, the reports and the stories all read."""
