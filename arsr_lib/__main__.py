from arsr_lib.cli import main

raise SystemExit(main())
