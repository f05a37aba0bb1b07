"""The export matrix's steps, each run in a fresh interpreter (`runner.run_program`): runtimes and toolchains must not
share a process. Each takes one JSON object as its argument and prints its result on a line of its own."""
