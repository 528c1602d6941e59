"""Built-in plugins (import name ``nlpsuite.plugins``), each written as a third party would write one."""
