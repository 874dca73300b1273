"""``python -m skillmeat_profiles``: the command-line tool."""

from skillmeat_profiles._cli import main

if __name__ == "__main__":
    main()
