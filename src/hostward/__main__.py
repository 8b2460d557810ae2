from hostward.cli import main

raise SystemExit(main())
