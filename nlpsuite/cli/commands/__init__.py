"""Built-in subcommands: one module each, exposing HELP, configure(parser) and run(args)."""
