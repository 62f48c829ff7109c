"""``reviewbot run``, the real command line, pointed at a loopback Discord.

    python -m tests.e2e.run_process API_URL GATEWAY_URL [reviewbot arguments...]

runs ``bot.cli.main`` with the given arguments after pointing discord.py's two URLs
at a stand-in that another process serves; nothing else differs from a real run
(settings come from the environment, as they would).
"""

from __future__ import annotations

import sys

import discord
import yarl

from bot.cli import main

if __name__ == "__main__":
    api_url, gateway_url, *arguments = sys.argv[1:]
    discord.http.Route.BASE = api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    sys.exit(main(arguments))
