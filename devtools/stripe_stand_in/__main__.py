import sys

try:
    from devtools.stripe_stand_in.launcher import main
except ModuleNotFoundError as error:
    if error.name not in ("localstripe", "aiohttp"):
        raise
    sys.exit(
        "python -m devtools.stripe_stand_in needs localstripe, the `stand-in` "
        "extra: pip install -e '.[stand-in]' (`make run` installs it)"
    )

main()
