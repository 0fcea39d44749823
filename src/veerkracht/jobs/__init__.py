"""Jobs: read the workspace, call the core, write back in one transaction.

Shared by the command line, the demo and the web application.
"""
