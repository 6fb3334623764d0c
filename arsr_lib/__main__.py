from arsr_lib.run.cli import main

raise SystemExit(main())
