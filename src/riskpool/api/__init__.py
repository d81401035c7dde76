"""The lender API (接口): a documented OpenAPI JSON API over the same commands as the pages and the CLI."""
