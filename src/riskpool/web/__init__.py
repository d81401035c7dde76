"""The platform the five roles log into (平台): server-rendered pages over the same commands as the CLI."""
