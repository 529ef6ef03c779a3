from mentorbot.cli import main

raise SystemExit(main())
