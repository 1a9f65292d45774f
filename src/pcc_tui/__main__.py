from pcc_tui.cli import main

raise SystemExit(main())
