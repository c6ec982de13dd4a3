from omniroute_agent.cli import main

raise SystemExit(main())
